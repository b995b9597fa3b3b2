import { sql, type Kysely } from "kysely";

// The enum values as of this migration, spelled out rather than imported from the
// domain: a later domain change needs its own migration to widen these checks.
const PLATFORMS = ["IOS", "ANDROID"];
const DEVICE_TYPES = ["PHONE", "TABLET"];
const DEVICE_STATES = ["ACTIVE", "INACTIVE", "DEACTIVATED", "RESET"];
const STATE_REASONS = [
  "NEW_DEVICE",
  "REPLACED_BY_NEWER_DEVICE",
  "PHONE_PREFERRED",
  "RESET",
  "USER_DISABLED",
  "USER_DELETED",
  "CREDENTIALS_REUSED",
];

function oneOf(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("app_id", "uuid", (c) => c.notNull().references("apps.id").onDelete("cascade"))
    .addColumn("external_user_id", "text", (c) => c.notNull())
    .addColumn("disabled", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    // The target of findOrCreateForUpdate's ON CONFLICT: one user per external id.
    .addUniqueConstraint("users_app_id_external_user_id_key", ["app_id", "external_user_id"])
    .execute();
  await db.schema.createIndex("users_app_id_id_idx").on("users").columns(["app_id", "id"]).execute();

  await db.schema
    .createTable("devices")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("app_id", "uuid", (c) => c.notNull())
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("device_type", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("state_reason", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("os_version", "text", (c) => c.notNull())
    .addColumn("app_version", "text", (c) => c.notNull())
    .addColumn("sdk_version", "text", (c) => c.notNull())
    .addColumn("registration_code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("state_changed_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz")
    // A retry of the same CreateUser finds the registration it made (rule 1).
    .addUniqueConstraint("devices_registration_code_hash_key", ["registration_code_hash"])
    .addCheckConstraint("devices_platform_check", oneOf("platform", PLATFORMS))
    .addCheckConstraint("devices_device_type_check", oneOf("device_type", DEVICE_TYPES))
    .addCheckConstraint("devices_state_check", oneOf("state", DEVICE_STATES))
    .addCheckConstraint("devices_state_reason_check", oneOf("state_reason", STATE_REASONS))
    .execute();
  // Serves listByUser (newest first) and the cascade from users.
  await db.schema
    .createIndex("devices_user_id_created_at_idx")
    .on("devices")
    .expression(sql`user_id, created_at desc, id desc`)
    .execute();
  // Rule 4, enforced by the database itself: at most one ACTIVE and one INACTIVE
  // device per user, whatever a buggy or racing caller does.
  await db.schema
    .createIndex("devices_one_active_per_user")
    .unique()
    .on("devices")
    .column("user_id")
    .where(sql.ref("state"), "=", "ACTIVE")
    .execute();
  await db.schema
    .createIndex("devices_one_inactive_per_user")
    .unique()
    .on("devices")
    .column("user_id")
    .where(sql.ref("state"), "=", "INACTIVE")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("devices").execute();
  await db.schema.dropTable("users").execute();
}
