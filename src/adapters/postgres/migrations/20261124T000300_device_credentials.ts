import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // One set of credentials per device; tokens resolve through their unique hashes.
  await db.schema
    .createTable("device_credentials")
    .addColumn("device_id", "uuid", (c) => c.primaryKey().references("devices.id").onDelete("cascade"))
    .addColumn("access_token_hash", "text", (c) => c.notNull().unique())
    .addColumn("access_token_expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("refresh_token_hash", "text", (c) => c.notNull().unique())
    .addColumn("issued_at", "timestamptz", (c) => c.notNull())
    .execute();

  // Refresh tokens already swapped out: presenting one again reveals a stolen copy.
  await db.schema
    .createTable("retired_refresh_tokens")
    .addColumn("refresh_token_hash", "text", (c) => c.primaryKey())
    .addColumn("device_id", "uuid", (c) => c.notNull().references("devices.id").onDelete("cascade"))
    .addColumn("retired_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("retired_refresh_tokens_device_id_idx")
    .on("retired_refresh_tokens")
    .column("device_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("retired_refresh_tokens").execute();
  await db.schema.dropTable("device_credentials").execute();
}
