import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import type { Store } from "../../src/ports/store.js";
import { apiKey, at, byId, givens, plusMs, t0 } from "./store-fixtures.js";

/**
 * What every ApiKeyRepository (src/ports/api-keys.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeApiKeysContract(getStore: () => Store): void {
  describe("apiKeys", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenApp } = givens(getStore);

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
}
