import { sql, type Kysely } from "kysely";

/**
 * Bounded tables (issue 11): reuse detection by token family instead of a row per past
 * refresh token, and the indexes the janitor's batches walk.
 *
 * Existing rows carry over as they are: credentials keep working (a pre-family refresh
 * token's first 16 bytes become its family at its first rotation), and the hashes in
 * retired_refresh_tokens stay readable, so every token rotated before this migration is
 * still recognised as reuse. That table is no longer written; its rows go with their
 * device (ON DELETE CASCADE), which the janitor removes once it has departed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per device whose credentials have rotated at least once: the family, how
  // many rotations it has seen, and the token rotated last (for retries and for the
  // exact reuse-after time), with the request_id that rotated it.
  await db.schema
    .createTable("refresh_token_families")
    .addColumn("device_id", "uuid", (c) => c.primaryKey().references("devices.id").onDelete("cascade"))
    // Null only for rows written without a family (tests of the store alone).
    .addColumn("family_hash", "text", (c) => c.unique())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("rotated_at", "timestamptz", (c) => c.notNull())
    .addColumn("previous_refresh_token_hash", "text", (c) => c.notNull().unique())
    .addColumn("previous_request_id", "text")
    .execute();

  // The janitor's batches: oldest audit events first, departed devices by when they left
  // (keys are few). IF NOT EXISTS: on a large deployment an operator may build them
  // CONCURRENTLY beforehand (docs/credentials.md).
  await db.schema
    .createIndex("audit_events_occurred_at_idx")
    .ifNotExists()
    .on("audit_events")
    .column("occurred_at")
    .execute();
  await db.schema
    .createIndex("devices_departed_idx")
    .ifNotExists()
    .on("devices")
    .column("state_changed_at")
    .where(sql<boolean>`state in ('DEACTIVATED', 'RESET')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("devices_departed_idx").execute();
  await db.schema.dropIndex("audit_events_occurred_at_idx").execute();
  await db.schema.dropTable("refresh_token_families").execute();
}
