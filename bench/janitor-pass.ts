/**
 * Calls during a janitor pass (issue 11): GetDeviceStatus at a fixed rate against one
 * instance, first with nothing else running, then while a janitor pass (the default retention) removes
 * 300,000 old audit events and 10,000 departed devices (with their credentials) from
 * the same database. Run by hand: `npx tsx bench/janitor-pass.ts` (BENCH_RATE,
 * BENCH_SECONDS to change the load); prints one JSON line of figures.
 */
import { randomBytes } from "node:crypto";
import { createPostgresStore } from "../src/adapters/postgres/postgres-store.js";
import { loadConfig } from "../src/config.js";
import { systemClock } from "../src/ports/clock.js";
import { Janitor } from "../src/services/janitor.service.js";
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  seededAccessToken,
  seedUsers,
  withClient,
} from "./lib/database.js";
import { drive, type DriveResult } from "./lib/raw-driver.js";
import { startServer } from "./lib/server-process.js";
import { bodies, Clients, createAppAndKey, PATHS } from "./lib/service-calls.js";
import { latencyOf } from "./lib/stats.js";

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const USERS = 20_000;
const DEPARTED = 10_000;
const OLD_EVENTS = 300_000;

const name = `userlink_bench_janitor_${randomBytes(4).toString("hex")}`;
const url = databaseUrl(name);
const adminToken = randomBytes(32).toString("base64url");
const env = {
  DATABASE_URL: url,
  REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  USERLINK_ADMIN_TOKEN: adminToken,
  USERLINK_REDIS_KEY_PREFIX: `bench-janitor-${randomBytes(4).toString("hex")}:`,
  USERLINK_LOG_LEVEL: "warn",
  USERLINK_JANITOR_INTERVAL_SECONDS: "0",
  USERLINK_RATE_KEY_MAX: "0",
};

await createDatabase(name);
const server = await startServer(env);
const clients = new Clients(`127.0.0.1:${server.grpcPort}`);
try {
  const { appId } = await createAppAndKey(clients, adminToken);
  await seedUsers(url, appId, 1, USERS);
  await withClient(url, async (c) => {
    await c.query(
      `update devices set state = 'DEACTIVATED', state_reason = 'REPLACED_BY_NEWER_DEVICE',
         state_changed_at = now() - interval '60 days'
       where registration_code_hash in (select 'seed-' || g from generate_series(1, $1::int) g)`,
      [DEPARTED],
    );
    await c.query(
      `insert into audit_events (event_id, app_id, kind, details, occurred_at, actor_kind, actor_id)
       select gen_random_uuid(), $1, 'device.credentials_refreshed', '{}'::jsonb,
              now() - interval '200 days' + g * interval '1 second', 'SYSTEM', ''
       from generate_series(1, $2::int) g`,
      [appId, OLD_EVENTS],
    );
    await c.query("analyze");
  });
  const token = seededAccessToken(USERS); // an ACTIVE device the pass leaves alone
  let passDone = false;
  const load = (stopWhenPassEnds: boolean): Promise<DriveResult> =>
    drive({
      url: `http://127.0.0.1:${server.grpcPort}`,
      connections: 2,
      concurrency: 64,
      rate: RATE,
      durationMs: stopWhenPassEnds ? 600_000 : SECONDS * 1000,
      next: () =>
        stopWhenPassEnds && passDone
          ? null
          : {
              path: PATHS.getDeviceStatus,
              body: bodies.getDeviceStatus(),
              headers: { authorization: `Bearer ${token}` },
            },
    });

  const baseline = await load(false);
  // The pass runs here, as the service's own janitor would (the CLI's start-up would
  // only pad the window); its SQL goes to the same Postgres as the instance's calls.
  const store = await createPostgresStore({ url });
  const janitor = new Janitor(
    { retention: store.retention, clock: systemClock, log: { info() {}, warn() {}, error() {} } },
    loadConfig({}).retention,
  );
  const pass = janitor.runOnce().finally(() => (passDone = true));
  const during = await load(true);
  const result = await pass;
  await store.close();
  console.log(
    JSON.stringify({
      rate: RATE,
      baseline: { ...latencyOf(baseline.latenciesUs), statuses: baseline.statuses },
      during_pass: { ...latencyOf(during.latenciesUs), statuses: during.statuses },
      pass_ms: Math.round(result.durationMs),
      removed: result.removed,
    }),
  );
} finally {
  clients.close();
  await server.stop();
  await dropDatabase(name);
}
