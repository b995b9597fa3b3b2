import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Runs `work` in the caller's transaction when there is one, else in a new one: for
 * repository methods that write several statements which must land together.
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database> | Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}
