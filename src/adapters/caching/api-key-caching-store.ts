import type { ApiKeyCache, CacheInvalidation } from "../../ports/api-key-cache.js";
import type { ApiKeyRepository, AppRepository, Repositories, Store } from "../../ports/store.js";

interface Changes {
  readonly keyIds: Set<string>;
  readonly appIds: Set<string>;
}

/**
 * The store with the API-key lookup of authentication served by `cache`. Every write
 * that changes what a cached answer says (a key revoked or rotated, its app updated) is
 * announced to the cache once it is committed: right after the statement outside a
 * transaction, after COMMIT inside one, and before the call that made it returns.
 *
 * Lookups inside a transaction always read the database: they must see the
 * transaction's own writes and its locks.
 */
export function withApiKeyCache(store: Store, cache: ApiKeyCache): Store {
  const committed = (change: CacheInvalidation): Promise<void> => cache.invalidate(change);
  return {
    repos: {
      ...store.repos,
      apiKeys: cachedApiKeys(store.repos.apiKeys, cache, committed),
      apps: announcingApps(store.repos.apps, committed),
    },
    async transaction(work) {
      const changes: Changes = { keyIds: new Set(), appIds: new Set() };
      const record = (change: CacheInvalidation): Promise<void> => {
        for (const id of change.keyIds ?? []) changes.keyIds.add(id);
        for (const id of change.appIds ?? []) changes.appIds.add(id);
        return Promise.resolve();
      };
      try {
        return await store.transaction((tx: Repositories) =>
          work({
            ...tx,
            apiKeys: announcingApiKeys(tx.apiKeys, record),
            apps: announcingApps(tx.apps, record),
          }),
        );
      } finally {
        // Also after a failure: a COMMIT whose answer was lost may have committed, and
        // forgetting an answer that is still right only costs one lookup.
        if (changes.keyIds.size > 0 || changes.appIds.size > 0) {
          await committed({ keyIds: [...changes.keyIds], appIds: [...changes.appIds] });
        }
      }
    },
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

type Announce = (change: CacheInvalidation) => Promise<void>;

function cachedApiKeys(keys: ApiKeyRepository, cache: ApiKeyCache, announce: Announce): ApiKeyRepository {
  const announcing = announcingApiKeys(keys, announce);
  return {
    ...announcing,
    findByIdWithApp: (id) => cache.lookup(id, () => keys.findByIdWithApp(id)),
    async touchLastUsed(id, at, notAfter) {
      await keys.touchLastUsed(id, at, notAfter);
      // Otherwise every call on the cached row would write again until it expires.
      cache.noteUsed(id, at);
    },
  };
}

function announcingApiKeys(keys: ApiKeyRepository, announce: Announce): ApiKeyRepository {
  return {
    insert: (key) => keys.insert(key),
    findById: (id) => keys.findById(id),
    findByIdWithApp: (id) => keys.findByIdWithApp(id),
    listByApp: (appId, page) => keys.listByApp(appId, page),
    countActive: (appId, now) => keys.countActive(appId, now),
    lockApp: (appId) => keys.lockApp(appId),
    async revoke(id, at) {
      const key = await keys.revoke(id, at);
      if (key !== null) await announce({ keyIds: [id] });
      return key;
    },
    async markRotated(id, replacedByKeyId, expiresAt) {
      const key = await keys.markRotated(id, replacedByKeyId, expiresAt);
      if (key !== null) await announce({ keyIds: [id] });
      return key;
    },
    touchLastUsed: (id, at, notAfter) => keys.touchLastUsed(id, at, notAfter),
  };
}

function announcingApps(apps: AppRepository, announce: Announce): AppRepository {
  return {
    insert: (app) => apps.insert(app),
    findById: (id) => apps.findById(id),
    list: (page) => apps.list(page),
    async update(id, changes) {
      const app = await apps.update(id, changes);
      if (app !== null) await announce({ appIds: [id] });
      return app;
    },
  };
}
