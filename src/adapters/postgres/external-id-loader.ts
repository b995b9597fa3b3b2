import type { Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { User } from "../../domain/model.js";
import type { UserRepository } from "../../ports/users.js";
import { loopTurnLoader } from "./loop-turn-loader.js";
import { translatingErrors } from "./pg-errors.js";
import type { Database } from "./schema.js";
import { userFromRow } from "./users.table.js";

interface ExternalId {
  readonly appId: string;
  readonly externalUserId: string;
}

/**
 * `users` with the lookup by external id (every RequestAuthCode makes one) batched:
 * the lookups of one event-loop turn go to Postgres as one statement over
 * `(app_id, external_user_id) IN (...)`, which the unique index serves. Nothing
 * outlives the turn (loop-turn-loader.ts): a user disabled or deleted before a call
 * arrived is seen so. Only outside transactions.
 */
export function batchingExternalIdLookups(db: Kysely<Database>, users: UserRepository): UserRepository {
  const loader = loopTurnLoader<ExternalId, User | null>((keys) => findMany(db, keys));
  return {
    ...users,
    findByExternalId: (appId, externalUserId) =>
      // An app id that is no id names no app: answered as the repository does, at once.
      isId(appId) ? loader.load({ appId, externalUserId }) : users.findByExternalId(appId, externalUserId),
  };
}

async function findMany(db: Kysely<Database>, keys: readonly ExternalId[]): Promise<(User | null)[]> {
  const rows = await translatingErrors(() =>
    db
      .selectFrom("users")
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple("app_id", "external_user_id"),
          "in",
          keys.map((key) => eb.tuple(key.appId, key.externalUserId)),
        ),
      )
      .execute(),
  );
  // Postgres compares text byte for byte here (the column's deterministic collation),
  // as a Map compares strings: each key finds exactly the row equality found.
  const byApp = new Map<string, Map<string, User>>();
  for (const row of rows) {
    const ofApp = byApp.get(row.app_id) ?? new Map<string, User>();
    ofApp.set(row.external_user_id, userFromRow(row));
    byApp.set(row.app_id, ofApp);
  }
  return keys.map((key) => byApp.get(key.appId)?.get(key.externalUserId) ?? null);
}
