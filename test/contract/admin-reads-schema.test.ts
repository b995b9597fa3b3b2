import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { migrationProvider } from "../../src/adapters/postgres/migrations/index.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { newId } from "../../src/domain/ids.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";

/**
 * Migration 20261202T000200 on Postgres: on a trail written before it, every old row
 * gets an event id of its own millisecond that keeps the rows' order, and the actor
 * SYSTEM/unknown; and ListUsers' prefix match is served by its index.
 */
describe("migration 20261202T000200_admin_reads (postgres)", () => {
  let database: TestDatabase;
  let store: KyselyStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresStore({ url: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("backfills ids in (occurred_at, append) order and SYSTEM/unknown actors, then requires both", async () => {
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    expect((await migrator.migrateTo("20261124T000400_audit_events")).error).toBeUndefined();
    const appId = newId();
    const t0 = new Date("2026-11-30T08:00:00.123Z");
    const later = new Date(t0.getTime() + 1);
    // Identity order differs from time order: the later event was written first.
    for (const [kind, at] of [
      ["app.updated", later],
      ["app.created", t0],
      ["api_key.created", t0],
    ] as const) {
      await sql`insert into audit_events (app_id, kind, details, occurred_at)
                values (${appId}, ${kind}, '{}'::jsonb, ${at})`.execute(store.db);
    }
    await store.migrateToLatest();

    const events = await store.repos.audit.list(appId, { userId: null }, { limit: 10, afterId: null });
    expect(events.map((e) => [e.kind, e.occurredAt.toISOString(), e.actor])).toEqual([
      ["app.updated", later.toISOString(), { kind: "SYSTEM", id: "unknown" }],
      ["api_key.created", t0.toISOString(), { kind: "SYSTEM", id: "unknown" }],
      ["app.created", t0.toISOString(), { kind: "SYSTEM", id: "unknown" }],
    ]);
    for (const e of events) {
      expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(e.id.replace(/-/g, "").slice(0, 12), 16)).toBe(e.occurredAt.getTime());
    }
    // New rows must say who acted: the defaults are gone.
    await expect(
      sql`insert into audit_events (app_id, kind, details, occurred_at, event_id)
          values (${appId}, 'app.updated', '{}'::jsonb, now(), ${newId()})`.execute(store.db),
    ).rejects.toThrow(/actor_kind/);
  });

  it("serves a prefix match of ListUsers from users_app_id_external_user_id_prefix_idx", async () => {
    const appId = newId();
    await sql`insert into apps (id, display_name, sdk_config, config_version, auth_code_ttl_seconds, created_at, updated_at)
              values (${appId}, 'prefix', '{}', 1, 600, now(), now())`.execute(store.db);
    await sql`insert into users (id, app_id, external_user_id, created_at)
              select gen_random_uuid(), ${appId}, 'user-' || g, now() from generate_series(1, 20000) g`.execute(
      store.db,
    );
    await sql`analyze users`.execute(store.db);
    // The query users.list builds for a prefix (user.repository.ts), planned with its values.
    const query = store.db
      .selectFrom("users")
      .selectAll()
      .where("app_id", "=", appId)
      .where("external_user_id", "like", "user-123%")
      .orderBy("id", "asc")
      .limit(101)
      .compile();
    const plan = await store.db.executeQuery<{ "QUERY PLAN": string }>({
      ...query,
      sql: `explain ${query.sql}`,
    });
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toContain("users_app_id_external_user_id_prefix_idx");
    expect(text).toMatch(/external_user_id ~>=~ 'user-123'/);
    // user-123, user-1230..9 and user-12300..99: 111, whose ids ascend.
    const listed = await store.repos.users.list(
      appId,
      { limit: 200, afterId: null },
      { externalIdPrefix: "user-123" },
    );
    expect(listed).toHaveLength(111);
    expect(listed.every((u) => u.externalUserId.startsWith("user-123"))).toBe(true);
    expect(listed.map((u) => u.id)).toEqual(listed.map((u) => u.id).sort());
  });
});
