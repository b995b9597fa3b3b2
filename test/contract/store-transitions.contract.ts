import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AuditActor } from "../../src/domain/audit.js";
import { planDeviceTransition, type DeviceIntent } from "../../src/domain/device-transitions.js";
import { AppError } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { App, Device, User } from "../../src/domain/model.js";
import type { Store } from "../../src/ports/store.js";

const t0 = new Date("2026-03-01T10:00:00.000Z");
const plusMs = (date: Date, ms: number) => new Date(date.getTime() + ms);
const newHash = () => randomBytes(32).toString("hex");
const actor: AuditActor = { kind: "ADMIN", id: "0123456789abcdef" };

/**
 * DeviceRepository.applyTransition, the one verb the use cases change devices with:
 * what planDeviceTransition decides is what the database holds afterwards. Called from
 * describeStoreContract, so Postgres and PGlite run the same expectations.
 */
export function describeStoreTransitionsContract(getStore: () => Store): void {
  describe("device transitions", () => {
    async function givenUser(): Promise<{ app: App; user: User }> {
      const app: App = {
        id: newId(),
        displayName: "transitions",
        sdkConfig: { theme: "dark" },
        configVersion: 1,
        authCodeTtlSeconds: 600,
        createdAt: t0,
      };
      await getStore().repos.apps.insert(app);
      const candidate = { id: newId(), appId: app.id, externalUserId: "ext", disabled: false, createdAt: t0 };
      return { app, user: (await getStore().repos.users.findOrCreateForUpdate(candidate)).user };
    }

    function registration(user: User, deviceType: Device["deviceType"], at: Date): DeviceIntent {
      const id = newId(at);
      return {
        kind: "register",
        device: {
          id,
          userId: user.id,
          appId: user.appId,
          platform: "IOS",
          deviceType,
          model: "",
          osVersion: "",
          appVersion: "",
          sdkVersion: "",
          registrationCodeHash: newHash(),
          createdAt: at,
          lastSeenAt: at,
        },
        credentials: {
          deviceId: id,
          accessTokenHash: newHash(),
          accessTokenExpiresAt: plusMs(at, 3_600_000),
          refreshTokenHash: newHash(),
          issuedAt: at,
        },
        userCreated: false,
      };
    }

    /** Plans `intent` on the user's current devices and applies it in one transaction. */
    async function apply(user: User, intent: DeviceIntent, at: Date) {
      return getStore().transaction(async (tx) => {
        const devices = await tx.devices.listByUser(user.id);
        const transition = planDeviceTransition({ user, devices, intent, actor, at });
        return { transition, app: await tx.devices.applyTransition(transition) };
      });
    }

    it("writes arrivals, replacements, resets and their audit records as planned", async () => {
      const { app, user } = await givenUser();
      const first = await apply(user, registration(user, "TABLET", t0), t0);
      expect(first.app).toEqual(app);
      const tablet = first.transition.arrival!.device;
      expect(await getStore().repos.devices.findById(tablet.id)).toEqual(tablet);

      const t1 = plusMs(t0, 1000);
      const second = await apply(user, registration(user, "PHONE", t1), t1);
      const phone = second.transition.arrival!.device;
      expect(phone.state).toBe("ACTIVE");
      expect(await getStore().repos.devices.findById(tablet.id)).toEqual({
        ...tablet,
        state: "DEACTIVATED",
        stateReason: "REPLACED_BY_NEWER_DEVICE",
        stateChangedAt: t1,
      });
      const t2 = plusMs(t0, 2000);
      const reset = await apply(user, { kind: "reset", deviceId: phone.id }, t2);
      expect(reset.app).toBeNull();
      expect(await getStore().repos.devices.listLiveByUser(user.id)).toEqual([]);

      const trail = await getStore().repos.audit.listByUser(user.appId, user.id);
      const planned = [first, second, reset].flatMap((r) => r.transition.audit);
      expect(trail).toEqual(planned);
    });

    it("an arrival that would break the one-ACTIVE index writes nothing at all", async () => {
      const { user } = await givenUser();
      const first = await apply(user, registration(user, "PHONE", t0), t0);
      const phone = first.transition.arrival!.device;
      // A plan made on stale devices (none) keeps the phone, so the new one collides.
      const stale = planDeviceTransition({
        user,
        devices: [],
        intent: registration(user, "PHONE", t0),
        actor,
        at: t0,
      });
      const error = await getStore()
        .transaction((tx) => tx.devices.applyTransition(stale))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("CONFLICT");
      expect(await getStore().repos.devices.listByUser(user.id)).toEqual([phone]);
      expect(await getStore().repos.audit.listByUser(user.appId, user.id)).toHaveLength(
        first.transition.audit.length,
      );
    });
  });
}
