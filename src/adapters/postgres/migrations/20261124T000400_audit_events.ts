import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // No foreign keys: the trail outlives nothing it names except a deleted user, whose
  // rows users.delete removes explicitly.
  await db.schema
    .createTable("audit_events")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("app_id", "uuid", (c) => c.notNull())
    .addColumn("user_id", "uuid")
    .addColumn("device_id", "uuid")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("state", "text")
    .addColumn("reason", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_events_user_id_idx").on("audit_events").column("user_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("audit_events").execute();
}
