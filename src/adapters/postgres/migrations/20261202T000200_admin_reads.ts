import { sql, type Kysely } from "kysely";

// The actor kinds as of this migration, spelled out rather than imported from the
// domain (see 20261124T000200).
const ACTOR_KINDS = ["API_KEY", "ADMIN", "DEVICE", "SYSTEM"];

/**
 * What AdminService's reads need (issue 14):
 * - audit_events.event_id, the public UUID of an event and the key its newest-first
 *   pages run on. Existing rows get a UUIDv7 of their occurred_at whose random bits
 *   are the identity id, so they keep their order among themselves.
 * - audit_events.actor_kind/actor_id: who caused the event. Nothing recorded that
 *   before, so existing rows say SYSTEM / "unknown".
 * - an index that serves ListUsers' external_user_id prefix match: the unique
 *   constraint's index uses the database collation, which LIKE 'x%' cannot use unless
 *   it is "C"; text_pattern_ops compares byte for byte whatever the collation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("audit_events")
    .addColumn("event_id", "uuid")
    .addColumn("actor_kind", "text", (c) => c.notNull().defaultTo("SYSTEM"))
    .addColumn("actor_id", "text", (c) => c.notNull().defaultTo("unknown"))
    .execute();
  await sql`
    update audit_events set event_id = (
      lpad(to_hex(floor(extract(epoch from occurred_at) * 1000)::bigint), 12, '0')
      || '7' || substr(lpad(to_hex(id), 18, '0'), 1, 3)
      || '8' || substr(lpad(to_hex(id), 18, '0'), 4, 15)
    )::uuid`.execute(db);
  // From now on every writer says who acted: no defaults to fall back on.
  await sql`
    alter table audit_events
      alter column event_id set not null,
      alter column actor_kind drop default,
      alter column actor_id drop default,
      add constraint audit_events_actor_kind_check
        check (actor_kind in (${sql.join(ACTOR_KINDS.map((k) => sql.lit(k)))}))`.execute(db);
  // ListAuditEvents by app, and by user (which also serves users.delete's cleanup and
  // replaces the plain user_id index).
  await db.schema
    .createIndex("audit_events_app_id_event_id_key")
    .unique()
    .on("audit_events")
    .columns(["app_id", "event_id"])
    .execute();
  await db.schema
    .createIndex("audit_events_user_id_event_id_idx")
    .on("audit_events")
    .columns(["user_id", "event_id"])
    .execute();
  await db.schema.dropIndex("audit_events_user_id_idx").execute();
  await db.schema
    .createIndex("users_app_id_external_user_id_prefix_idx")
    .on("users")
    .expression(sql`app_id, external_user_id text_pattern_ops`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("users_app_id_external_user_id_prefix_idx").execute();
  await db.schema.createIndex("audit_events_user_id_idx").on("audit_events").column("user_id").execute();
  await db.schema.dropIndex("audit_events_user_id_event_id_idx").execute();
  await db.schema.dropIndex("audit_events_app_id_event_id_key").execute();
  await db.schema.alterTable("audit_events").dropConstraint("audit_events_actor_kind_check").execute();
  await db.schema
    .alterTable("audit_events")
    .dropColumn("actor_id")
    .dropColumn("actor_kind")
    .dropColumn("event_id")
    .execute();
}
