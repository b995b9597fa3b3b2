import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { createPGliteStore } from "../../src/adapters/postgres/pglite-store.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { Janitor } from "../../src/services/janitor.service.js";
import { createAppWithKey, linkDevice } from "../support/flow.js";
import { BACKENDS, createStorage, startInstance, type OwnedStorage } from "../support/userlink-server.js";

const silent = { info() {}, warn() {}, error() {} };
const DAY_MS = 86_400_000;
const NO_JANITOR = { USERLINK_JANITOR_INTERVAL_SECONDS: "0" };

/** The storage's database opened directly (the embedded one only while no instance runs). */
async function openStore(storage: OwnedStorage): Promise<KyselyStore> {
  return storage.databaseUrl !== null
    ? createPostgresStore({ url: storage.databaseUrl })
    : createPGliteStore({ dataDir: join(storage.dataDir, "pgdata") });
}

/** Rows in every table of the schema, by table. */
async function countEveryTable(storage: OwnedStorage): Promise<Record<string, number>> {
  const store = await openStore(storage);
  try {
    const { rows: tables } = await sql<{ name: string }>`
      select tablename as name from pg_tables where schemaname = 'public' order by 1`.execute(store.db);
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(
        store.db,
      );
      counts[name] = rows[0]!.n;
    }
    return counts;
  } finally {
    await store.close();
  }
}

for (const backend of BACKENDS) {
  describe(`bounded tables (${backend})`, () => {
    let storage: OwnedStorage;
    beforeAll(async () => {
      storage = await createStorage(backend);
    });
    afterAll(async () => {
      await storage?.destroy();
    });

    it("1,000 refreshes of one device leave every table but the audit trail as it was; retention bounds that", async () => {
      // Phases with the instance stopped in between: the embedded database has one owner.
      let server = await startInstance(storage, NO_JANITOR);
      const { apiKey } = await createAppWithKey(server);
      const created = await linkDevice(server, apiKey, "growth");
      let refreshToken = created.credentials!.refreshToken;
      const refresh = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const answer = await server.device().refreshCredentials({ refreshToken, requestId: randomUUID() });
          refreshToken = answer.credentials!.refreshToken;
        }
      };
      await refresh(1);
      await server.stop();
      const before = await countEveryTable(storage);

      server = await startInstance(storage, NO_JANITOR);
      const started = performance.now();
      await refresh(1_000);
      console.log(`1,000 refreshes (${backend}): ${Math.round(performance.now() - started)} ms`);
      await server.stop();
      const after = await countEveryTable(storage);

      console.log(`tables after 1 refresh: ${JSON.stringify(before)}`);
      console.log(`tables after 1,001 refreshes: ${JSON.stringify(after)}`);
      expect(Object.keys(after)).toEqual(Object.keys(before));
      expect(before).toMatchObject({
        device_credentials: 1,
        refresh_token_families: 1,
        retired_refresh_tokens: 0,
      });
      // One audit event per refresh, removed once past retention (below); nothing else grows.
      expect(after).toEqual({ ...before, audit_events: before.audit_events! + 1_000 });

      const store = await openStore(storage);
      try {
        const later = { now: () => new Date(Date.now() + 91 * DAY_MS) };
        const janitor = new Janitor(
          { retention: store.retention, clock: later, log: silent },
          { auditEventsMs: 90 * DAY_MS, departedDevicesMs: 30 * DAY_MS, apiKeysMs: 30 * DAY_MS },
          100,
        );
        const pass = await janitor.runOnce();
        expect(pass).toMatchObject({ ran: true, removed: { audit_events: after.audit_events, devices: 0 } });
      } finally {
        await store.close();
      }
      expect(await countEveryTable(storage)).toEqual({ ...before, audit_events: 0 });

      // The device still refreshes after all that.
      server = await startInstance(storage, NO_JANITOR);
      try {
        await refresh(1);
      } finally {
        await server.stop();
      }
    }, 600_000); // 1,000 round trips in a row: minutes on a loaded 2-core machine
  });
}
