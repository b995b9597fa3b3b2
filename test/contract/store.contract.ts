import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { ApiKey, App, Device, DeviceCredentials, User } from "../../src/domain/model.js";
import type { AuditEvent, Store } from "../../src/ports/store.js";
import { describeStoreReadsContract } from "./store-reads.contract.js";
import { describeStoreTransitionsContract } from "./store-transitions.contract.js";

/** The device of a retired refresh token, or null; see findRetiredRefreshToken. */
async function retiredDevice(store: Store, hash: string): Promise<Device | null> {
  return (await store.repos.credentials.findRetiredRefreshToken(hash))?.device ?? null;
}

export interface StoreHarness {
  /** A store on an empty database, already migrated to the latest schema. */
  readonly store: Store;
  /** Closes the store (again: close() must be safe twice) and removes its database. */
  readonly cleanup: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newHash = () => randomBytes(32).toString("hex");
const at = (iso: string) => new Date(iso);
const plusMs = (date: Date, ms: number) => new Date(date.getTime() + ms);
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

/**
 * What every Store must do (kratos' persistence tests): Postgres and the embedded
 * PGlite run the same expectations through the port, so the embedded default cannot
 * drift from production. One database per suite; every test makes its own app, so
 * tests never see each other's rows (apps.list aside, which is checked for order).
 */
export function describeStoreContract(name: string, make: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeAll(async () => {
      harness = await make();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    const t0 = at("2026-03-01T10:00:00.000Z");

    function app(overrides: Partial<App> = {}): App {
      return {
        id: newId(),
        displayName: "Acme Fitness",
        sdkConfig: { theme: { color: "#ff0000" }, features: ["a", "b"], retries: 3, beta: false, x: null },
        configVersion: 1,
        authCodeTtlSeconds: 600,
        createdAt: t0,
        ...overrides,
      };
    }

    function user(appId: string, overrides: Partial<User> = {}): User {
      return {
        id: newId(),
        appId,
        externalUserId: `ext-${randomBytes(4).toString("hex")}`,
        disabled: false,
        createdAt: t0,
        ...overrides,
      };
    }

    function device(owner: User, overrides: Partial<Device> = {}): Device {
      return {
        id: newId(),
        userId: owner.id,
        appId: owner.appId,
        platform: "IOS",
        deviceType: "PHONE",
        state: "ACTIVE",
        stateReason: "NEW_DEVICE",
        model: "iPhone15,2",
        osVersion: "17.4",
        appVersion: "3.1.0",
        sdkVersion: "1.0.0",
        registrationCodeHash: newHash(),
        createdAt: t0,
        stateChangedAt: t0,
        lastSeenAt: null,
        ...overrides,
      };
    }

    function credentials(deviceId: string, issuedAt = t0): DeviceCredentials {
      return {
        deviceId,
        accessTokenHash: newHash(),
        accessTokenExpiresAt: plusMs(issuedAt, 7 * 24 * 3600_000),
        refreshTokenHash: newHash(),
        issuedAt,
      };
    }

    function apiKey(appId: string, overrides: Partial<ApiKey> = {}): ApiKey {
      return {
        id: newId(),
        appId,
        name: "backend",
        scopes: ["USER_LINK", "USER_READ"],
        secretHash: newHash(),
        createdAt: t0,
        expiresAt: at("2027-03-01T10:00:00.000Z"),
        revokedAt: null,
        lastUsedAt: null,
        replacedByKeyId: null,
        ...overrides,
      };
    }

    function event(owner: User, overrides: Partial<AuditEvent> = {}): AuditEvent {
      return {
        appId: owner.appId,
        userId: owner.id,
        deviceId: null,
        kind: "user.created",
        state: null,
        reason: null,
        details: {},
        occurredAt: t0,
        actor: { kind: "SYSTEM", id: "" },
        ...overrides,
      };
    }

    async function givenApp(overrides: Partial<App> = {}): Promise<App> {
      const made = app(overrides);
      await store.repos.apps.insert(made);
      return made;
    }

    async function givenUser(appId?: string, overrides: Partial<User> = {}): Promise<User> {
      const owner = user(appId ?? (await givenApp()).id, overrides);
      const { user: stored } = await store.repos.users.findOrCreateForUpdate(owner);
      return stored;
    }

    async function givenDevice(owner: User, overrides: Partial<Device> = {}): Promise<Device> {
      const made = device(owner, overrides);
      await store.repos.devices.insert(made);
      return made;
    }

    describe("apps", () => {
      it("round-trips an app, nested SDK config included", async () => {
        const made = await givenApp();
        expect(await store.repos.apps.findById(made.id)).toEqual(made);
      });

      it("finds nothing for an unknown or malformed id", async () => {
        expect(await store.repos.apps.findById(newId())).toBeNull();
        expect(await store.repos.apps.findById("not-a-uuid")).toBeNull();
      });

      it("updates only the fields given, bumping configVersion only with a new sdkConfig", async () => {
        const made = await givenApp();
        const renamed = await store.repos.apps.update(made.id, { displayName: "Acme Health" });
        expect(renamed).toEqual({ ...made, displayName: "Acme Health" });

        const ttl = await store.repos.apps.update(made.id, { authCodeTtlSeconds: 120 });
        expect(ttl).toMatchObject({ displayName: "Acme Health", authCodeTtlSeconds: 120, configVersion: 1 });

        const sdkConfig = { theme: "dark", limits: { max: 5 } };
        const configured = await store.repos.apps.update(made.id, { sdkConfig });
        expect(configured).toMatchObject({ sdkConfig, configVersion: 2, authCodeTtlSeconds: 120 });
        expect((await store.repos.apps.update(made.id, { sdkConfig }))?.configVersion).toBe(3);
        expect(await store.repos.apps.findById(made.id)).toEqual({
          ...made,
          displayName: "Acme Health",
          authCodeTtlSeconds: 120,
          sdkConfig,
          configVersion: 3,
        });
      });

      it("answers an empty update with the app, and an unknown id with null", async () => {
        const made = await givenApp();
        expect(await store.repos.apps.update(made.id, {})).toEqual(made);
        expect(await store.repos.apps.update(newId(), { displayName: "x" })).toBeNull();
        expect(await store.repos.apps.update(newId(), {})).toBeNull();
        expect(await store.repos.apps.update("nope", { displayName: "x" })).toBeNull();
      });

      it("gives two concurrent config updates two versions", async () => {
        const made = await givenApp();
        await Promise.all([
          store.repos.apps.update(made.id, { sdkConfig: { a: 1 } }),
          store.repos.apps.update(made.id, { sdkConfig: { a: 2 } }),
        ]);
        expect((await store.repos.apps.findById(made.id))?.configVersion).toBe(3);
      });

      it("lists apps in ascending id order, page by page", async () => {
        const mine = [];
        for (let i = 0; i < 5; i++) mine.push(await givenApp({ displayName: `paged ${i}` }));
        const all = await store.repos.apps.list({ limit: 10_000, afterId: null });
        expect(all.map((a) => a.id)).toEqual([...all].sort(byId).map((a) => a.id));
        for (const made of mine) expect(all).toContainEqual(made);

        const walked: App[] = [];
        for (let afterId: string | null = null; ;) {
          const page = await store.repos.apps.list({ limit: 2, afterId });
          expect(page.length).toBeLessThanOrEqual(2);
          if (page.length === 0) break;
          walked.push(...page);
          afterId = page[page.length - 1]!.id;
        }
        expect(walked).toEqual(all);
      });

      it("rejects a second app with the same id, and not as a retryable CONFLICT", async () => {
        const made = await givenApp();
        const error = await rejection(store.repos.apps.insert(made));
        expect(error instanceof AppError && error.code === "CONFLICT").toBe(false);
      });
    });

    describe("apiKeys", () => {
      it("round-trips a key and finds nothing for unknown ids", async () => {
        const { id: appId } = await givenApp();
        const key = apiKey(appId, { lastUsedAt: plusMs(t0, 5), scopes: ["USER_DELETE"] });
        await store.repos.apiKeys.insert(key);
        expect(await store.repos.apiKeys.findById(key.id)).toEqual(key);
        expect(await store.repos.apiKeys.findById(newId())).toBeNull();
        expect(await store.repos.apiKeys.findById("garbage")).toBeNull();
      });

      it("finds a key with its app in one lookup", async () => {
        const owner = await givenApp();
        const key = apiKey(owner.id);
        await store.repos.apiKeys.insert(key);
        expect(await store.repos.apiKeys.findByIdWithApp(key.id)).toEqual({
          key,
          app: await store.repos.apps.findById(owner.id),
        });
        expect(await store.repos.apiKeys.findByIdWithApp(newId())).toBeNull();
        expect(await store.repos.apiKeys.findByIdWithApp("garbage")).toBeNull();
      });

      it("lists an app's keys newest first, page by page, and no other app's", async () => {
        const { id: appId } = await givenApp();
        const { id: otherAppId } = await givenApp();
        const keys = [];
        for (let i = 0; i < 5; i++) keys.push(apiKey(appId, { name: `k${i}` }));
        for (const key of keys) await store.repos.apiKeys.insert(key);
        await store.repos.apiKeys.insert(apiKey(otherAppId));
        const newestFirst = [...keys].sort(byId).reverse();

        const first = await store.repos.apiKeys.listByApp(appId, { limit: 2, afterId: null });
        expect(first).toEqual(newestFirst.slice(0, 2));
        const second = await store.repos.apiKeys.listByApp(appId, { limit: 2, afterId: first[1]!.id });
        expect(second).toEqual(newestFirst.slice(2, 4));
        const third = await store.repos.apiKeys.listByApp(appId, { limit: 2, afterId: second[1]!.id });
        expect(third).toEqual(newestFirst.slice(4));
        expect(await store.repos.apiKeys.listByApp(newId(), { limit: 10, afterId: null })).toEqual([]);
      });

      it("counts only usable keys that were not rotated out", async () => {
        const { id: appId } = await givenApp();
        const now = at("2026-06-01T00:00:00.000Z");
        const usable = apiKey(appId);
        await store.repos.apiKeys.insert(usable);
        await store.repos.apiKeys.insert(apiKey(appId, { revokedAt: t0 }));
        await store.repos.apiKeys.insert(apiKey(appId, { expiresAt: now }));
        await store.repos.apiKeys.insert(apiKey(appId, { expiresAt: plusMs(now, -1) }));
        await store.repos.apiKeys.insert(apiKey(appId, { replacedByKeyId: usable.id }));
        await store.repos.apiKeys.insert(apiKey(appId, { expiresAt: plusMs(now, 1) }));
        expect(await store.repos.apiKeys.countActive(appId, now)).toBe(2);
        expect(await store.repos.apiKeys.countActive(newId(), now)).toBe(0);
      });

      it("locks an existing app and says false for an unknown one", async () => {
        const { id: appId } = await givenApp();
        expect(await store.transaction((tx) => tx.apiKeys.lockApp(appId))).toBe(true);
        expect(await store.transaction((tx) => tx.apiKeys.lockApp(newId()))).toBe(false);
        expect(await store.repos.apiKeys.lockApp("garbage")).toBe(false);
      });

      it("marks a key rotated, only ever shortening its life", async () => {
        const { id: appId } = await givenApp();
        const key = apiKey(appId);
        const successor = apiKey(appId);
        await store.repos.apiKeys.insert(key);
        await store.repos.apiKeys.insert(successor);

        const graceEnd = at("2026-03-02T10:00:00.000Z");
        const rotated = await store.repos.apiKeys.markRotated(key.id, successor.id, graceEnd);
        expect(rotated).toEqual({ ...key, replacedByKeyId: successor.id, expiresAt: graceEnd });
        const later = at("2026-12-01T00:00:00.000Z");
        expect((await store.repos.apiKeys.markRotated(key.id, successor.id, later))?.expiresAt).toEqual(
          graceEnd,
        );
        expect(await store.repos.apiKeys.findById(key.id)).toEqual(rotated);
        expect(await store.repos.apiKeys.countActive(appId, t0)).toBe(1);
        expect(await store.repos.apiKeys.markRotated(newId(), successor.id, graceEnd)).toBeNull();
      });

      it("revokes once, keeping the first revocation date", async () => {
        const { id: appId } = await givenApp();
        const key = apiKey(appId);
        await store.repos.apiKeys.insert(key);
        const first = plusMs(t0, 1_000);
        expect(await store.repos.apiKeys.revoke(key.id, first)).toEqual({ ...key, revokedAt: first });
        expect((await store.repos.apiKeys.revoke(key.id, plusMs(t0, 9_000)))?.revokedAt).toEqual(first);
        expect((await store.repos.apiKeys.findById(key.id))?.revokedAt).toEqual(first);
        expect(await store.repos.apiKeys.countActive(appId, t0)).toBe(0);
        expect(await store.repos.apiKeys.revoke(newId(), first)).toBeNull();
      });

      it("records a use only when the stored one is older than notAfter", async () => {
        const { id: appId } = await givenApp();
        const key = apiKey(appId);
        await store.repos.apiKeys.insert(key);
        const lastUsed = async () => (await store.repos.apiKeys.findById(key.id))?.lastUsedAt;

        const use1 = plusMs(t0, 60_000);
        await store.repos.apiKeys.touchLastUsed(key.id, use1, plusMs(use1, -60_000));
        expect(await lastUsed()).toEqual(use1);
        // A use 30 s later with a 60 s interval: too soon, nothing written.
        const use2 = plusMs(use1, 30_000);
        await store.repos.apiKeys.touchLastUsed(key.id, use2, plusMs(use2, -60_000));
        expect(await lastUsed()).toEqual(use1);
        const use3 = plusMs(use1, 61_000);
        await store.repos.apiKeys.touchLastUsed(key.id, use3, plusMs(use3, -60_000));
        expect(await lastUsed()).toEqual(use3);
        await expect(store.repos.apiKeys.touchLastUsed(newId(), use3, use3)).resolves.toBeUndefined();
      });
    });

    describe("users", () => {
      it("creates a user for a new external id and restores it for the same one", async () => {
        const { id: appId } = await givenApp();
        const candidate = user(appId, { externalUserId: "alice@example.com" });
        const first = await store.repos.users.findOrCreateForUpdate(candidate);
        expect(first).toEqual({ user: candidate, created: true });

        const again = await store.repos.users.findOrCreateForUpdate({ ...candidate, id: newId() });
        expect(again).toEqual({ user: candidate, created: false });
        const inTx = await store.transaction((tx) =>
          tx.users.findOrCreateForUpdate({ ...candidate, id: newId(), createdAt: plusMs(t0, 5) }),
        );
        expect(inTx).toEqual({ user: candidate, created: false });
      });

      it("keeps the same external id in two apps apart", async () => {
        const [a, b] = [await givenApp(), await givenApp()];
        const inA = await store.repos.users.findOrCreateForUpdate(user(a.id, { externalUserId: "shared" }));
        const inB = await store.repos.users.findOrCreateForUpdate(user(b.id, { externalUserId: "shared" }));
        expect(inB.created).toBe(true);
        expect(inB.user.id).not.toBe(inA.user.id);
      });

      it("round-trips unusual external ids exactly", async () => {
        const { id: appId } = await givenApp();
        for (const externalUserId of ["ünïcode 🙂 {tag}", "x".repeat(256), "O'Brien; drop table users"]) {
          const candidate = user(appId, { externalUserId });
          expect((await store.repos.users.findOrCreateForUpdate(candidate)).user).toEqual(candidate);
          expect(await store.repos.users.findByExternalId(appId, externalUserId)).toEqual(candidate);
        }
        expect(await store.repos.users.findByExternalId(appId, "X".repeat(256))).toBeNull();
      });

      it("creates exactly one user of concurrent calls for one new external id", async () => {
        const { id: appId } = await givenApp();
        const externalUserId = `racer-${randomBytes(4).toString("hex")}`;
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.transaction(async (tx) => {
              const result = await tx.users.findOrCreateForUpdate(user(appId, { externalUserId }));
              // Hold the lock a little, as a registration does, so the others queue.
              await sleep(20);
              return result;
            }),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
        expect(await store.repos.users.list(appId, { limit: 100, afterId: null })).toHaveLength(1);
      });

      it("finds users by id and by external id, only within their app", async () => {
        const owner = await givenUser();
        const { id: otherAppId } = await givenApp();
        expect(await store.repos.users.findById(owner.appId, owner.id)).toEqual(owner);
        expect(await store.repos.users.findById(otherAppId, owner.id)).toBeNull();
        expect(await store.repos.users.findById(owner.appId, newId())).toBeNull();
        expect(await store.repos.users.findById(owner.appId, "42")).toBeNull();
        expect(await store.repos.users.findByExternalId(owner.appId, owner.externalUserId)).toEqual(owner);
        expect(await store.repos.users.findByExternalId(otherAppId, owner.externalUserId)).toBeNull();
        expect(await store.repos.users.findByExternalId("garbage", owner.externalUserId)).toBeNull();
      });

      it("locks and returns a user by id, only within its app", async () => {
        const owner = await givenUser();
        const { id: otherAppId } = await givenApp();
        const found = await store.transaction(async (tx) => ({
          own: await tx.users.findByIdForUpdate(owner.appId, owner.id),
          other: await tx.users.findByIdForUpdate(otherAppId, owner.id),
          unknown: await tx.users.findByIdForUpdate(owner.appId, newId()),
          malformed: await tx.users.findByIdForUpdate(owner.appId, "nope"),
        }));
        expect(found).toEqual({ own: owner, other: null, unknown: null, malformed: null });
      });

      it("lists an app's users in ascending id order, page by page", async () => {
        const { id: appId } = await givenApp();
        const made = [];
        for (let i = 0; i < 5; i++) made.push(await givenUser(appId));
        await givenUser();
        const ascending = [...made].sort(byId);
        const first = await store.repos.users.list(appId, { limit: 3, afterId: null });
        expect(first).toEqual(ascending.slice(0, 3));
        const rest = await store.repos.users.list(appId, { limit: 3, afterId: first[2]!.id });
        expect(rest).toEqual(ascending.slice(3));
        expect(await store.repos.users.list(appId, { limit: 3, afterId: ascending[4]!.id })).toEqual([]);
        expect(await store.repos.users.list(newId(), { limit: 3, afterId: null })).toEqual([]);
      });

      it("sets the disabled flag, only within the user's app", async () => {
        const owner = await givenUser();
        expect(await store.repos.users.setDisabled(owner.appId, owner.id, true)).toEqual({
          ...owner,
          disabled: true,
        });
        expect((await store.repos.users.findById(owner.appId, owner.id))?.disabled).toBe(true);
        expect(await store.repos.users.setDisabled(owner.appId, owner.id, false)).toEqual(owner);
        expect(await store.repos.users.setDisabled(newId(), owner.id, true)).toBeNull();
        expect(await store.repos.users.setDisabled(owner.appId, newId(), true)).toBeNull();
        expect((await store.repos.users.findById(owner.appId, owner.id))?.disabled).toBe(false);
      });

      it("deletes the user and every row that names them, and nobody else's", async () => {
        const { id: appId } = await givenApp();
        const doomed = await givenUser(appId);
        const bystander = await givenUser(appId);
        const phone = await givenDevice(doomed);
        const tablet = await givenDevice(doomed, { deviceType: "TABLET", state: "INACTIVE" });
        const theirs = await givenDevice(bystander);
        const phoneCreds = credentials(phone.id);
        await store.repos.credentials.put(phoneCreds);
        await store.repos.credentials.put(credentials(tablet.id));
        const theirCreds = credentials(theirs.id);
        await store.repos.credentials.put(theirCreds);
        const rotated = credentials(phone.id, plusMs(t0, 1_000));
        expect(await store.repos.credentials.rotate(phoneCreds.refreshTokenHash, rotated)).not.toBeNull();
        await store.repos.audit.append([event(doomed, { deviceId: phone.id }), event(bystander)]);

        expect(await store.repos.users.delete(appId, doomed.id)).toBe(true);

        expect(await store.repos.users.findById(appId, doomed.id)).toBeNull();
        expect(await store.repos.users.findByExternalId(appId, doomed.externalUserId)).toBeNull();
        expect(await store.repos.devices.findById(phone.id)).toBeNull();
        expect(await store.repos.devices.findById(tablet.id)).toBeNull();
        expect(await store.repos.devices.listByUser(doomed.id)).toEqual([]);
        expect(await store.repos.devices.findByRegistrationCode(phone.registrationCodeHash)).toBeNull();
        expect(await store.repos.credentials.findByAccessTokenHash(rotated.accessTokenHash)).toBeNull();
        expect(await retiredDevice(store, phoneCreds.refreshTokenHash)).toBeNull();
        expect(await store.repos.audit.listByUser(appId, doomed.id)).toEqual([]);

        expect(await store.repos.users.findById(appId, bystander.id)).toEqual(bystander);
        expect(await store.repos.devices.listByUser(bystander.id)).toEqual([theirs]);
        expect(
          (await store.repos.credentials.findByAccessTokenHash(theirCreds.accessTokenHash))?.device,
        ).toEqual(theirs);
        expect(await store.repos.audit.listByUser(appId, bystander.id)).toHaveLength(1);
      });

      it("says false for a user it cannot delete, and links a deleted external id anew", async () => {
        const owner = await givenUser();
        const { id: otherAppId } = await givenApp();
        expect(await store.repos.users.delete(otherAppId, owner.id)).toBe(false);
        expect(await store.repos.users.findById(owner.appId, owner.id)).toEqual(owner);
        expect(await store.repos.users.delete(owner.appId, "nope")).toBe(false);

        expect(await store.transaction((tx) => tx.users.delete(owner.appId, owner.id))).toBe(true);
        expect(await store.repos.users.delete(owner.appId, owner.id)).toBe(false);
        const relinked = await store.repos.users.findOrCreateForUpdate(
          user(owner.appId, { externalUserId: owner.externalUserId }),
        );
        expect(relinked.created).toBe(true);
        expect(relinked.user.id).not.toBe(owner.id);
      });
    });

    describe("devices", () => {
      it("registers a device with its credentials and audit events in one go, or nothing", async () => {
        const owner = await givenUser();
        const made = device(owner);
        const creds = credentials(made.id);
        expect(
          await store.repos.devices.register(made, creds, [event(owner, { deviceId: made.id })]),
        ).toEqual(await store.repos.apps.findById(owner.appId));
        expect(await store.repos.devices.findById(made.id)).toEqual(made);
        expect((await store.repos.credentials.findByAccessTokenHash(creds.accessTokenHash))?.device).toEqual(
          made,
        );
        expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toHaveLength(1);

        const second = device(owner);
        await expectAppError(
          store.repos.devices.register(second, credentials(second.id), [event(owner)]),
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

      it("moves devices to a new state and says how many moved", async () => {
        const owner = await givenUser();
        const phone = await givenDevice(owner);
        const tablet = await givenDevice(owner, { deviceType: "TABLET", state: "INACTIVE" });
        const when = plusMs(t0, 60_000);
        const moved = await store.repos.devices.setState(
          [phone.id, tablet.id, newId(), "nope"],
          "DEACTIVATED",
          "USER_DISABLED",
          when,
        );
        expect(moved).toBe(2);
        const changed = { state: "DEACTIVATED", stateReason: "USER_DISABLED", stateChangedAt: when };
        expect(await store.repos.devices.findById(phone.id)).toEqual({ ...phone, ...changed });
        expect(await store.repos.devices.findById(tablet.id)).toEqual({ ...tablet, ...changed });
        expect(await store.repos.devices.listLiveByUser(owner.id)).toEqual([]);
        expect(await store.repos.devices.setState([], "RESET", "RESET", when)).toBe(0);
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
          await expectAppError(
            store.repos.devices.insert(device(owner, { deviceType: "TABLET" })),
            "CONFLICT",
          );
          expect(await store.repos.devices.listByUser(owner.id)).toEqual([first]);
        });

        it("refuses a second INACTIVE device with CONFLICT", async () => {
          const owner = await givenUser();
          await givenDevice(owner, { deviceType: "TABLET", state: "INACTIVE" });
          await expectAppError(
            store.repos.devices.insert(device(owner, { deviceType: "TABLET", state: "INACTIVE" })),
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
          await store.repos.devices.setState([first.id], "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE", t0);
          const second = await givenDevice(owner);
          expect((await store.repos.devices.listLiveByUser(owner.id)).map((d) => d.state)).toContain(
            "ACTIVE",
          );
          expect(await store.repos.devices.findById(second.id)).toEqual(second);
        });

        it("refuses a second ACTIVE device inside a transaction, rolling all of it back", async () => {
          const owner = await givenUser();
          const first = await givenDevice(owner);
          const sneaky = device(owner);
          await expectAppError(
            store.transaction(async (tx) => {
              await tx.devices.setState([first.id], "RESET", "RESET", t0);
              await tx.audit.append([event(owner)]);
              await tx.devices.insert(device(owner, { state: "RESET" }));
              await tx.devices.insert(sneaky);
              await tx.devices.insert(device(owner));
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
        await expectAppError(store.repos.devices.insert(again), "CONFLICT");
        expect(await store.repos.devices.findByRegistrationCode(first.registrationCodeHash)).toEqual(first);
      });
    });

    describe("credentials", () => {
      async function givenCredentials() {
        const owner = await givenUser();
        const made = await givenDevice(owner);
        const current = credentials(made.id);
        await store.repos.credentials.put(current);
        return { owner, device: made, current };
      }

      it("resolves an access token to its credentials and device", async () => {
        const { device: made, current } = await givenCredentials();
        expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toEqual({
          credentials: current,
          device: made,
          app: await store.repos.apps.findById(made.appId),
        });
        expect(await store.repos.credentials.findByAccessTokenHash(current.refreshTokenHash)).toBeNull();
        expect(await store.repos.credentials.findByAccessTokenHash(newHash())).toBeNull();
      });

      it("keeps one set per device: put replaces the previous one", async () => {
        const { device: made, current } = await givenCredentials();
        const replacement = credentials(made.id, plusMs(t0, 1_000));
        await store.repos.credentials.put(replacement);
        expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toBeNull();
        expect(
          await store.repos.credentials.rotate(current.refreshTokenHash, credentials(made.id)),
        ).toBeNull();
        expect(await store.repos.credentials.findByAccessTokenHash(replacement.accessTokenHash)).toEqual({
          credentials: replacement,
          device: made,
          app: await store.repos.apps.findById(made.appId),
        });
      });

      it("rotates once, remembering the old refresh token as retired", async () => {
        const { device: made, current } = await givenCredentials();
        const next = credentials(made.id, plusMs(t0, 60_000));
        expect(await store.repos.credentials.rotate(current.refreshTokenHash, next)).toEqual(made);

        expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toBeNull();
        expect(await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash)).toEqual({
          credentials: next,
          device: made,
          app: await store.repos.apps.findById(made.appId),
        });
        expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
        expect(await retiredDevice(store, next.refreshTokenHash)).toBeNull();
        expect(await retiredDevice(store, newHash())).toBeNull();
        expect(
          (await store.repos.credentials.findRetiredRefreshToken(current.refreshTokenHash))?.retiredAt,
        ).toEqual(next.issuedAt);
        // The spent token rotates nothing, and nothing is written for it.
        const replay = credentials(made.id, plusMs(t0, 120_000));
        expect(await store.repos.credentials.rotate(current.refreshTokenHash, replay)).toBeNull();
        expect(await store.repos.credentials.findByAccessTokenHash(replay.accessTokenHash)).toBeNull();
        expect(await store.repos.credentials.rotate(newHash(), replay)).toBeNull();
      });

      it("rotates inside a transaction and rolls back with it", async () => {
        const { device: made, current } = await givenCredentials();
        const next = credentials(made.id, plusMs(t0, 60_000));
        const boom = new Error("boom");
        const error = await rejection(
          store.transaction(async (tx) => {
            expect(await tx.credentials.rotate(current.refreshTokenHash, next)).toEqual(made);
            throw boom;
          }),
        );
        expect(error).toBe(boom);
        expect(
          (await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash))?.credentials,
        ).toEqual(current);
        expect(await retiredDevice(store, current.refreshTokenHash)).toBeNull();
        expect(
          await store.transaction((tx) => tx.credentials.rotate(current.refreshTokenHash, next)),
        ).toEqual(made);
        expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
      });

      it("lets exactly one of concurrent rotations with one token win", async () => {
        const { device: made, current } = await givenCredentials();
        const nexts = Array.from({ length: 8 }, () => credentials(made.id, plusMs(t0, 60_000)));
        const results = await Promise.all(
          nexts.map((next) => store.repos.credentials.rotate(current.refreshTokenHash, next)),
        );
        expect(results.filter((r) => r !== null)).toEqual([made]);
        const winner = nexts[results.findIndex((r) => r !== null)]!;
        for (const next of nexts) {
          const found = await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash);
          expect(found?.credentials ?? null).toEqual(next === winner ? winner : null);
        }
      });

      it("keeps one family row per device however often it rotates, and the previous token only", async () => {
        const { device: made, current } = await givenCredentials();
        const familyHash = newHash();
        const chain = [current];
        for (let i = 1; i <= 5; i++) {
          const next = credentials(made.id, plusMs(t0, i * 1_000));
          const rotation = { familyHash, requestId: `r${i}` };
          expect(
            await store.repos.credentials.rotate(chain.at(-1)!.refreshTokenHash, next, rotation),
          ).toEqual(made);
          chain.push(next);
        }
        expect(await store.repos.credentials.findRefreshFamily(familyHash)).toEqual({
          device: made,
          generation: 5,
        });
        expect(await store.repos.credentials.findRefreshFamily(newHash())).toBeNull();
        expect(await store.repos.credentials.findRetiredRefreshToken(chain[4]!.refreshTokenHash)).toEqual({
          device: made,
          retiredAt: chain[5]!.issuedAt,
          requestId: "r5",
        });
        // Older tokens are the family's business, not a row each.
        for (const old of chain.slice(0, 4)) {
          expect(await retiredDevice(store, old.refreshTokenHash)).toBeNull();
        }
      });

      it("retries the last rotation only for its token and request_id, inside the window", async () => {
        const { device: made, current } = await givenCredentials();
        const rotatedAt = plusMs(t0, 10_000);
        const lost = credentials(made.id, rotatedAt);
        await store.repos.credentials.rotate(current.refreshTokenHash, lost, {
          familyHash: newHash(),
          requestId: "r1",
        });
        const fresh = credentials(made.id, plusMs(t0, 20_000));
        const retry = (hash: string, id: string, notBefore: Date) =>
          store.repos.credentials.retryRotation(hash, id, notBefore, fresh);
        expect(await retry(current.refreshTokenHash, "r2", t0)).toBeNull();
        expect(await retry(current.refreshTokenHash, "r1", plusMs(rotatedAt, 1))).toBeNull();
        expect(await retry(lost.refreshTokenHash, "r1", t0)).toBeNull();
        expect(await retry(newHash(), "r1", t0)).toBeNull();
        // Nothing was written by the refusals: the lost answer's credentials still hold.
        expect(
          (await store.repos.credentials.findByAccessTokenHash(lost.accessTokenHash))?.credentials,
        ).toEqual(lost);

        expect(await retry(current.refreshTokenHash, "r1", rotatedAt)).toEqual(made);
        expect(await store.repos.credentials.findByAccessTokenHash(lost.accessTokenHash)).toBeNull();
        expect(
          (await store.repos.credentials.findByAccessTokenHash(fresh.accessTokenHash))?.credentials,
        ).toEqual(fresh);
        // The window still counts from the first answer.
        expect(await store.repos.credentials.findRetiredRefreshToken(current.refreshTokenHash)).toEqual({
          device: made,
          retiredAt: rotatedAt,
          requestId: "r1",
        });
        expect(await store.repos.credentials.rotate(fresh.refreshTokenHash, credentials(made.id))).toEqual(
          made,
        );
        expect(await retry(current.refreshTokenHash, "r1", t0)).toBeNull();
      });

      it("starts a new family on put: the replaced family no longer names the device", async () => {
        const { device: made, current } = await givenCredentials();
        const familyHash = newHash();
        const next = credentials(made.id, plusMs(t0, 1_000));
        await store.repos.credentials.rotate(current.refreshTokenHash, next, { familyHash, requestId: null });
        await store.repos.credentials.put(credentials(made.id, plusMs(t0, 2_000)));
        expect(await store.repos.credentials.findRefreshFamily(familyHash)).toBeNull();
        expect(await retiredDevice(store, current.refreshTokenHash)).toBeNull();
      });

      it("revokes a device's credentials but still recognises its retired tokens", async () => {
        const { device: made, current } = await givenCredentials();
        const next = credentials(made.id, plusMs(t0, 60_000));
        await store.repos.credentials.rotate(current.refreshTokenHash, next);
        await store.repos.credentials.revoke(made.id);
        expect(await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash)).toBeNull();
        expect(await store.repos.credentials.rotate(next.refreshTokenHash, credentials(made.id))).toBeNull();
        expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
        await expect(store.repos.credentials.revoke(made.id)).resolves.toBeUndefined();
        await expect(store.repos.credentials.revoke("nope")).resolves.toBeUndefined();
      });
    });

    describe("audit", () => {
      it("appends events and lists a user's oldest first, ties in append order", async () => {
        const owner = await givenUser();
        const made = await givenDevice(owner);
        const later = event(owner, { kind: "user.disabled", occurredAt: plusMs(t0, 10) });
        const created = event(owner, {
          kind: "user.created",
          deviceId: made.id,
          details: { platform: "IOS" },
        });
        const changed = event(owner, {
          kind: "device.state_changed",
          deviceId: made.id,
          state: "ACTIVE",
          reason: "NEW_DEVICE",
          details: { nested: { list: [1, "two", null, true] } },
        });
        await store.repos.audit.append([later, created]);
        await store.repos.audit.append([changed]);
        await store.repos.audit.append([]);
        await store.repos.audit.append([event(await givenUser(owner.appId))]);
        expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toEqual([created, changed, later]);
      });

      it("lists nothing across apps or for malformed ids", async () => {
        const owner = await givenUser();
        await store.repos.audit.append([event(owner)]);
        expect(await store.repos.audit.listByUser(newId(), owner.id)).toEqual([]);
        expect(await store.repos.audit.listByUser(owner.appId, "nope")).toEqual([]);
      });
    });

    describeStoreReadsContract(() => store);
    describeStoreTransitionsContract(() => store);

    describe("transactions", () => {
      it("commits what work wrote and returns its value", async () => {
        const made = app();
        const owner = user(made.id);
        const value = await store.transaction(async (tx) => {
          await tx.apps.insert(made);
          await tx.users.findOrCreateForUpdate(owner);
          return "done";
        });
        expect(value).toBe("done");
        expect(await store.repos.apps.findById(made.id)).toEqual(made);
        expect(await store.repos.users.findById(made.id, owner.id)).toEqual(owner);
      });

      it("writes nothing when work throws, and rethrows the very error", async () => {
        const made = app();
        const owner = user(made.id);
        const key = apiKey(made.id);
        const failure = new AppError("USER_DISABLED", "stop here");
        const error = await rejection(
          store.transaction(async (tx) => {
            await tx.apps.insert(made);
            await tx.apiKeys.insert(key);
            await tx.users.findOrCreateForUpdate(owner);
            await tx.devices.insert(device(owner));
            await tx.audit.append([event(owner)]);
            expect(await tx.apps.findById(made.id)).toEqual(made);
            throw failure;
          }),
        );
        expect(error).toBe(failure);
        expect(await store.repos.apps.findById(made.id)).toBeNull();
        expect(await store.repos.apiKeys.findById(key.id)).toBeNull();
        expect(await store.repos.users.findByExternalId(made.id, owner.externalUserId)).toBeNull();
        expect(await store.repos.devices.listByUser(owner.id)).toEqual([]);
        expect(await store.repos.audit.listByUser(made.id, owner.id)).toEqual([]);
      });

      it("rolls back a user delete when work throws", async () => {
        const owner = await givenUser();
        const made = await givenDevice(owner);
        await rejection(
          store.transaction(async (tx) => {
            expect(await tx.users.delete(owner.appId, owner.id)).toBe(true);
            throw new Error("changed my mind");
          }),
        );
        expect(await store.repos.users.findById(owner.appId, owner.id)).toEqual(owner);
        expect(await store.repos.devices.findById(made.id)).toEqual(made);
      });

      it("keeps working after many rolled-back transactions", async () => {
        for (let i = 0; i < 5; i++) {
          await rejection(
            store.transaction(async (tx) => {
              await tx.apps.insert(app());
              throw new Error(`attempt ${i}`);
            }),
          );
        }
        const made = await givenApp();
        expect(await store.transaction((tx) => tx.apps.findById(made.id))).toEqual(made);
      });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    // Last: the suite's store is closed from here on (cleanup closes it once more).
    it("closes, safely twice, and then fails calls as DEPENDENCY_UNAVAILABLE", async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
      await expectAppError(store.ping(), "DEPENDENCY_UNAVAILABLE");
      await expectAppError(store.repos.apps.findById(newId()), "DEPENDENCY_UNAVAILABLE");
      await expectAppError(
        store.transaction((tx) => tx.apps.findById(newId())),
        "DEPENDENCY_UNAVAILABLE",
      );
    });
  });
}
