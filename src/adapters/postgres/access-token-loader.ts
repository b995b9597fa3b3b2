import type { Kysely } from "kysely";
import type { CredentialLookup, CredentialRepository } from "../../ports/store.js";
import { credentialLookups, lookupFromRow } from "./credential.repository.js";
import { loopTurnLoader } from "./loop-turn-loader.js";
import { translatingErrors } from "./pg-errors.js";
import type { Database } from "./schema.js";

/**
 * `credentials` with the access-token lookup of every device call batched: the lookups
 * of one event-loop turn go to Postgres as one statement (`access_token_hash IN (...)`).
 * Nothing outlives the turn (loop-turn-loader.ts), so a device deactivated before a
 * call arrived is refused (rule 6) as with a lookup of its own. Only outside
 * transactions: a transaction's repositories read on its own connection.
 */
export function batchingAccessTokenLookups(
  db: Kysely<Database>,
  credentials: CredentialRepository,
): CredentialRepository {
  const loader = loopTurnLoader<string, CredentialLookup | null>((hashes) => findMany(db, hashes));
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
