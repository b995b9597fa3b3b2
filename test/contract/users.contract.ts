import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import { newId } from "../../src/domain/ids.js";
import type { Store } from "../../src/ports/store.js";
import {
  byId,
  credentials,
  event,
  givens,
  plusMs,
  retiredDevice,
  sleep,
  t0,
  user,
} from "./store-fixtures.js";

/**
 * What every UserRepository (src/ports/users.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeUsersContract(getStore: () => Store, getDb: () => Kysely<Database>): void {
  describe("users", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenApp, givenUser, givenDevice } = givens(getStore, getDb);

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
}
