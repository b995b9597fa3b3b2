import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import { newId } from "../../src/domain/ids.js";
import type { Store } from "../../src/ports/store.js";
import { arrivalOf, insertDevice, movesOf } from "../support/device-rows.js";
import {
  byId,
  credentials,
  device,
  event,
  expectAppError,
  givens,
  newHash,
  plusMs,
  t0,
} from "./store-fixtures.js";

/**
 * What every DeviceRepository (src/ports/devices.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeDevicesContract(getStore: () => Store, getDb: () => Kysely<Database>): void {
  describe("devices", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenUser, givenDevice } = givens(getStore, getDb);

    it("registers a device with its credentials and audit events in one go, or nothing", async () => {
      const owner = await givenUser();
      const made = device(owner);
      const creds = credentials(made.id);
      expect(
        await store.repos.devices.applyTransition(
          arrivalOf(made, creds, [event(owner, { deviceId: made.id })]),
        ),
      ).toEqual(await store.repos.apps.findById(owner.appId));
      expect(await store.repos.devices.findById(made.id)).toEqual(made);
      expect((await store.repos.credentials.findByAccessTokenHash(creds.accessTokenHash))?.device).toEqual(
        made,
      );
      expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toHaveLength(1);

      const second = device(owner);
      await expectAppError(
        store.repos.devices.applyTransition(arrivalOf(second, credentials(second.id), [event(owner)])),
        "CONFLICT",
      );
      expect(await store.repos.devices.findById(second.id)).toBeNull();
      expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toHaveLength(1);
    });

    it("round-trips a device and finds it by id and by registration code", async () => {
      const owner = await givenUser();
      const made = await givenDevice(owner, { platform: "ANDROID", lastSeenAt: plusMs(t0, 3) });
      expect(await store.repos.devices.findById(made.id)).toEqual(made);
      expect(await store.transaction((tx) => tx.devices.findByIdForUpdate(made.id))).toEqual(made);
      expect(await store.repos.devices.findByRegistrationCode(made.registrationCodeHash)).toEqual(made);
      expect(await store.repos.devices.findByRegistrationCode(newHash())).toBeNull();
      expect(await store.repos.devices.findById(newId())).toBeNull();
      expect(await store.repos.devices.findByIdForUpdate("nope")).toBeNull();
    });

    it("lists a user's devices newest first, and the live ones apart", async () => {
      const owner = await givenUser();
      const old = await givenDevice(owner, {
        state: "DEACTIVATED",
        stateReason: "REPLACED_BY_NEWER_DEVICE",
      });
      const reset = await givenDevice(owner, {
        state: "RESET",
        stateReason: "RESET",
        createdAt: plusMs(t0, 1),
      });
      const phone = await givenDevice(owner, { createdAt: plusMs(t0, 2) });
      const tablet = await givenDevice(owner, {
        deviceType: "TABLET",
        state: "INACTIVE",
        stateReason: "PHONE_PREFERRED",
        createdAt: plusMs(t0, 3),
      });
      await givenDevice(await givenUser(owner.appId));
      expect(await store.repos.devices.listByUser(owner.id)).toEqual([tablet, phone, reset, old]);
      expect(await store.repos.devices.listLiveByUser(owner.id)).toEqual([tablet, phone]);
      expect(await store.transaction((tx) => tx.devices.listLiveByUser(owner.id))).toEqual([tablet, phone]);
      expect(await store.repos.devices.listByUser(newId())).toEqual([]);
      expect(await store.repos.devices.listLiveByUser("nope")).toEqual([]);
    });

    it("breaks createdAt ties by descending id", async () => {
      const owner = await givenUser();
      const made = [
        await givenDevice(owner, { state: "DEACTIVATED" }),
        await givenDevice(owner, { state: "DEACTIVATED" }),
        await givenDevice(owner, { state: "RESET" }),
      ];
      expect(await store.repos.devices.listByUser(owner.id)).toEqual([...made].sort(byId).reverse());
    });

    it("moves devices to a new state", async () => {
      const owner = await givenUser();
      const phone = await givenDevice(owner);
      const tablet = await givenDevice(owner, { deviceType: "TABLET", state: "INACTIVE" });
      const when = plusMs(t0, 60_000);
      const moves = movesOf([phone.id, tablet.id, newId(), "nope"], "DEACTIVATED", "USER_DISABLED", when);
      expect(await store.repos.devices.applyTransition(moves)).toBeNull();
      const changed = { state: "DEACTIVATED", stateReason: "USER_DISABLED", stateChangedAt: when };
      expect(await store.repos.devices.findById(phone.id)).toEqual({ ...phone, ...changed });
      expect(await store.repos.devices.findById(tablet.id)).toEqual({ ...tablet, ...changed });
      expect(await store.repos.devices.listLiveByUser(owner.id)).toEqual([]);
      expect(await store.repos.devices.applyTransition(movesOf([], "RESET", "RESET", when))).toBeNull();
      expect(await store.repos.devices.findById(phone.id)).toEqual({ ...phone, ...changed });
    });

    it("records a sighting only when the stored one is older than notAfter", async () => {
      const made = await givenDevice(await givenUser());
      const seen = async () => (await store.repos.devices.findById(made.id))?.lastSeenAt;
      const first = plusMs(t0, 10_000);
      await store.repos.devices.touchLastSeen(made.id, first, first);
      expect(await seen()).toEqual(first);
      await store.repos.devices.touchLastSeen(made.id, plusMs(first, 5_000), first);
      expect(await seen()).toEqual(first);
      await store.repos.devices.touchLastSeen(made.id, plusMs(first, 5_000), plusMs(first, 1));
      expect(await seen()).toEqual(plusMs(first, 5_000));
    });

    describe("one active device per user (rule 4)", () => {
      it("refuses a second ACTIVE device with CONFLICT and keeps the first", async () => {
        const owner = await givenUser();
        const first = await givenDevice(owner);
        await expectAppError(insertDevice(getDb(), device(owner, { deviceType: "TABLET" })), "CONFLICT");
        expect(await store.repos.devices.listByUser(owner.id)).toEqual([first]);
      });

      it("refuses a second INACTIVE device with CONFLICT", async () => {
        const owner = await givenUser();
        await givenDevice(owner, { deviceType: "TABLET", state: "INACTIVE" });
        await expectAppError(
          insertDevice(getDb(), device(owner, { deviceType: "TABLET", state: "INACTIVE" })),
          "CONFLICT",
        );
      });

      it("allows one ACTIVE beside any number of dead devices, and in other users", async () => {
        const owner = await givenUser();
        const first = await givenDevice(owner);
        await givenDevice(owner, { state: "INACTIVE", deviceType: "TABLET" });
        await givenDevice(owner, { state: "DEACTIVATED" });
        await givenDevice(owner, { state: "DEACTIVATED" });
        await givenDevice(owner, { state: "RESET" });
        await givenDevice(await givenUser(owner.appId));
        await store.repos.devices.applyTransition(
          movesOf([first.id], "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE", t0),
        );
        const second = await givenDevice(owner);
        expect((await store.repos.devices.listLiveByUser(owner.id)).map((d) => d.state)).toContain("ACTIVE");
        expect(await store.repos.devices.findById(second.id)).toEqual(second);
      });

      it("refuses a second ACTIVE device inside a transaction, rolling all of it back", async () => {
        const owner = await givenUser();
        const first = await givenDevice(owner);
        const sneaky = device(owner);
        await expectAppError(
          store.transaction(async (tx) => {
            await tx.devices.applyTransition(movesOf([first.id], "RESET", "RESET", t0));
            await tx.audit.append([event(owner)]);
            for (const arriving of [device(owner, { state: "RESET" }), sneaky, device(owner)]) {
              const audit = [event(owner, { deviceId: arriving.id })];
              await tx.devices.applyTransition(arrivalOf(arriving, credentials(arriving.id), audit));
            }
          }),
          "CONFLICT",
        );
        expect(await store.repos.devices.listByUser(owner.id)).toEqual([first]);
        expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toEqual([]);
      });
    });

    it("refuses a second registration with one code with CONFLICT", async () => {
      const owner = await givenUser();
      const first = await givenDevice(owner);
      const again = device(await givenUser(owner.appId), {
        registrationCodeHash: first.registrationCodeHash,
      });
      await expectAppError(insertDevice(getDb(), again), "CONFLICT");
      expect(await store.repos.devices.findByRegistrationCode(first.registrationCodeHash)).toEqual(first);
    });
  });
}
