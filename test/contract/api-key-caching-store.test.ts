import { describe, expect, it } from "vitest";
import { withApiKeyCache } from "../../src/adapters/caching/api-key-caching-store.js";
import { TtlApiKeyCache } from "../../src/adapters/memory/ttl-api-key-cache.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { newId } from "../../src/domain/ids.js";
import type { ApiKey } from "../../src/domain/model.js";
import { row } from "../support/key-with-app.js";
import { createTestDatabase } from "../support/postgres.js";
import { describeStoreContract } from "./store.contract.js";

// The whole store contract holds through the cache: every read after a committed
// revocation, rotation or app update sees it.
describeStoreContract("postgres, API-key cache", async () => {
  const database = await createTestDatabase();
  const store = await createPostgresStore({ url: database.url });
  await store.migrateToLatest();
  return {
    store: withApiKeyCache(store, new TtlApiKeyCache()),
    db: store.db,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe("withApiKeyCache (postgres)", () => {
  it("announces revocations, rotations and app updates once committed, and nothing rolled back", async () => {
    const database = await createTestDatabase();
    const inner = await createPostgresStore({ url: database.url });
    try {
      await inner.migrateToLatest();
      const cache = new TtlApiKeyCache({ ttlMs: 60_000 });
      const store = withApiKeyCache(inner, cache);
      const { app, key } = row();
      await store.repos.apps.insert(app);
      const keys = [1, 2, 3, 4].map(() => ({ ...key, id: newId() }));
      for (const k of keys) await store.repos.apiKeys.insert(k);
      const [outside, inside, rotated, rolledBack] = keys as [ApiKey, ApiKey, ApiKey, ApiKey];
      const lookup = (id: string) => store.repos.apiKeys.findByIdWithApp(id);
      for (const k of keys) await lookup(k.id);
      expect(cache.size).toBe(4);

      await store.repos.apiKeys.revoke(outside.id, new Date());
      expect((await lookup(outside.id))?.key.revokedAt).not.toBeNull();

      await store.transaction(async (tx) => {
        await tx.apiKeys.revoke(inside.id, new Date());
        // Not yet committed: the other callers must not lose the cached answer yet...
        expect(cache.size).toBe(4);
      });
      // ...and once committed they see the revocation.
      expect((await lookup(inside.id))?.key.revokedAt).not.toBeNull();

      const shortened = new Date(Date.now() + 1_000);
      await store.transaction((tx) => tx.apiKeys.markRotated(rotated.id, newId(), shortened));
      expect((await lookup(rotated.id))?.key.expiresAt).toEqual(shortened);

      await store.transaction((tx) => tx.apps.update(app.id, { authCodeTtlSeconds: 120 }));
      expect((await lookup(rolledBack.id))?.app.authCodeTtlSeconds).toBe(120);

      // A rolled-back revocation leaves the key as it was (answers are dropped, then reloaded).
      await expect(
        store.transaction(async (tx) => {
          await tx.apiKeys.revoke(rolledBack.id, new Date());
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect((await lookup(rolledBack.id))?.key.revokedAt).toBeNull();

      // A recorded use is kept in the cached row: the next call does not write again.
      const usedAt = new Date();
      await store.repos.apiKeys.touchLastUsed(rolledBack.id, usedAt, new Date(usedAt.getTime() - 60_000));
      expect((await lookup(rolledBack.id))?.key.lastUsedAt).toEqual(usedAt);
    } finally {
      await inner.close();
      await database.drop();
    }
  });
});
