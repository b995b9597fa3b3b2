import type { Store } from "../../ports/store.js";
import { batchingAccessTokenLookups } from "./access-token-loader.js";
import { batchingExternalIdLookups } from "./external-id-loader.js";
import type { KyselyStore } from "./kysely-store.js";
import { batchingSightings } from "./last-seen-batcher.js";

/**
 * `store` with the hot lookups of its own repositories batched per event-loop turn:
 * access token → device (every device call) and external id → user (every
 * RequestAuthCode); and the devices' sightings, written by one UPDATE per turn. A transaction's repositories are left alone: they read on the
 * transaction's connection.
 */
export function withBatchedLookups(store: KyselyStore): Store {
  return {
    repos: {
      ...store.repos,
      credentials: batchingAccessTokenLookups(store.db, store.repos.credentials),
      users: batchingExternalIdLookups(store.db, store.repos.users),
      devices: batchingSightings(store.db, store.repos.devices),
    },
    transaction: (work) => store.transaction(work),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
