import DataLoader from "dataloader";
import type { Kysely } from "kysely";
import type { CredentialLookup, CredentialRepository, Store } from "../../ports/store.js";
import type { KyselyStore } from "./kysely-store.js";
import { translatingErrors } from "./pg-errors.js";
import { credentialLookups, lookupFromRow } from "./credential.repository.js";
import type { Database } from "./schema.js";

/** One statement carries at most this many tokens; a bigger tick is split. */
const MAX_BATCH = 128;

/**
 * `credentials` with the access-token lookup of every device call batched: the lookups
 * made in one turn of the event loop go to Postgres as one statement (`access_token_hash IN (...)`), so
 * N device calls in flight cost one round trip instead of N.
 *
 * Nothing is remembered between ticks (DataLoader's cache is off): every lookup is
 * sent after its call arrived, so a device deactivated before that is refused (rule 6)
 * exactly as with a lookup of its own. Only outside transactions: a transaction's
 * repositories read on its own connection.
 */
export function batchingAccessTokenLookups(
  db: Kysely<Database>,
  credentials: CredentialRepository,
): CredentialRepository {
  const loader = new DataLoader<string, CredentialLookup | null>((hashes) => findMany(db, hashes), {
    cache: false,
    maxBatchSize: MAX_BATCH,
    // Calls arrive one per socket read, so the lookups of one tick are mostly alone; the
    // check phase after the poll gathers those of every read in this loop turn.
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
  return { ...credentials, findByAccessTokenHash: (hash) => loader.load(hash) };
}

async function findMany(
  db: Kysely<Database>,
  hashes: readonly string[],
): Promise<(CredentialLookup | null)[]> {
  // The very statement of CredentialRepository.findByAccessTokenHash, for many hashes.
  const rows = await translatingErrors(() =>
    credentialLookups(db)
      .where("device_credentials.access_token_hash", "in", [...new Set(hashes)])
      .execute(),
  );
  const byHash = new Map<string, CredentialLookup>();
  for (const row of rows) byHash.set(row.access_token_hash, lookupFromRow(row));
  return hashes.map((hash) => byHash.get(hash) ?? null);
}

/** `store` with the access-token lookups of its own repositories batched (see above). */
export function withBatchedAccessTokenLookups(store: KyselyStore): Store {
  return {
    repos: { ...store.repos, credentials: batchingAccessTokenLookups(store.db, store.repos.credentials) },
    transaction: (work) => store.transaction(work),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
