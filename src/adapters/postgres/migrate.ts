import { Migrator, type Kysely } from "kysely";
import { migrationProvider } from "./migrations/index.js";

/**
 * Brings the schema to the newest migration. Safe when several instances start at
 * once: Kysely's Migrator holds a Postgres advisory lock for the whole run, so the
 * others wait and then find nothing left to do.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results.filter((r) => r.status === "Error").map((r) => r.migrationName);
  // Kysely reports the failing migration as "Error" and the rest of the batch as
  // "NotExecuted"; an error before any migration ran (no connection) names none.
  const which = failed.length > 0 ? `migration ${failed.join(", ")} failed` : "migrations did not run";
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(`database ${which}: ${reason}`, { cause: error });
}
