/**
 * `npm run bench`: userlink against the real Postgres and Redis, measured from outside
 * (h2load, and a raw HTTP/2 driver where every request needs its own body), beside the
 * ceilings of the same machine in the same run. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cleanRedis, databaseCeilings, redisCeilings } from "./lib/ceiling-runs.js";
import { createDatabase, databaseUrl, dropDatabase, seedUsers } from "./lib/database.js";
import { ratiosOf, svgChart, table, type CeilingResult, type MethodResult } from "./lib/report.js";
import { runScenario } from "./lib/run-scenario.js";
import type { Context } from "./lib/scenario.js";
import { healthReference, SCENARIOS } from "./lib/scenarios.js";
import { Clients, createAppAndKey } from "./lib/service-calls.js";
import { startServer } from "./lib/server-process.js";
import { env, log, SETTINGS, wanted } from "./lib/settings.js";
import { round } from "./lib/stats.js";
import { measureStreams, type StreamFigures } from "./lib/streams.js";
import { evaluateTargets } from "./lib/targets.js";
import { ensureTools, machine } from "./lib/tools.js";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

async function main(): Promise<void> {
  ensureTools();
  const startedAt = new Date();
  const dbName = `userlink_bench_${randomBytes(5).toString("hex")}`;
  const prefix = `bench-${randomBytes(4).toString("hex")}:`;
  const url = databaseUrl(dbName);
  const adminToken = `bench-admin-${randomBytes(24).toString("base64url")}`;
  log(`database ${dbName}, redis prefix ${prefix}`);
  await createDatabase(dbName);
  mkdirSync(RESULTS, { recursive: true });
  const server = await startServer(
    {
      DATABASE_URL: url,
      REDIS_URL: "redis://127.0.0.1:6379",
      USERLINK_ADMIN_TOKEN: adminToken,
      USERLINK_REDIS_KEY_PREFIX: prefix,
      USERLINK_DB_POOL_MAX: String(SETTINGS.poolMax),
      // The per-key limit (100/s sustained by default) is a per-customer policy; the bench
      // measures the instance, so it is off. The CreateUser failure limit stays on.
      USERLINK_RATE_KEY_MAX: "0",
      // Every bench call comes from 127.0.0.1, where devices would each have their own
      // address: the failure limit (and its in-flight cap) stays on, but out of reach.
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: "1000000",
      ...(env.BENCH_SERVER_ENV ? Object.fromEntries(new URLSearchParams(env.BENCH_SERVER_ENV)) : {}),
    },
    [...SETTINGS.nodeFlags, ...(SETTINGS.profile ? ["--cpu-prof", "--cpu-prof-dir", RESULTS] : [])],
  );
  const clients = new Clients(`127.0.0.1:${server.grpcPort}`);
  const methods: MethodResult[] = [];
  const ceilings: CeilingResult[] = [];
  let streams: StreamFigures | null = null;
  let scale: Record<string, unknown> | null = null;
  try {
    const { appId, apiKey } = await createAppAndKey(clients, adminToken);
    log(`seeding ${SETTINGS.users} users with an active phone each`);
    await seedUsers(url, appId, 1, SETTINGS.users);
    const ctx: Context = {
      server,
      clients,
      apiKey,
      appId,
      grpcUrl: `http://127.0.0.1:${server.grpcPort}`,
      grpcWebUrl: `http://127.0.0.1:${server.grpcWebPort}`,
      users: SETTINGS.users,
      // The streams' restorations (first, below) replace the devices of users 1..N.
      untouchedFrom: SETTINGS.restorations + 1,
    };

    // Streams first: they watch the seeded devices, which the restorations below replace.
    if (wanted("streams")) {
      const count = Math.min(SETTINGS.streams, SETTINGS.users);
      log(`streams: opening ${count} WatchDeviceStatus streams`);
      streams = await measureStreams(server, apiKey, count, Math.min(SETTINGS.restorations, count - 1));
      log(`  ${JSON.stringify(streams)}`);
    }

    for (const scenario of SCENARIOS) {
      if (!wanted(scenario.name)) continue;
      log(`${scenario.name}`);
      const result = await runScenario(ctx, scenario, healthReference(scenario));
      if (scenario.ceiling === "") {
        ceilings.push({
          name: scenario.name,
          rps: result.full.rps,
          p50: result.full.p50,
          p99: result.full.p99,
          cpuUsPerCall: result.full.cpuUsPerCall,
        });
      } else {
        methods.push(result);
      }
    }

    log("ceilings: pgbench and redis-benchmark");
    ceilings.push(...(await databaseCeilings(url, appId, SETTINGS.users)));
    ceilings.push(...(await redisCeilings(prefix)));

    if (SETTINGS.scale) {
      log("scale: seeding up to 1,000,000 users");
      const seedStarted = performance.now();
      await seedUsers(url, appId, SETTINGS.users + 1, 1_000_000);
      const seedSeconds = round((performance.now() - seedStarted) / 1000, 0);
      // The 10k run's CreateUser restorations replaced devices of all but the last user.
      const big: Context = { ...ctx, users: 1_000_000, untouchedFrom: SETTINGS.users + 1 };
      const compared: Record<string, unknown>[] = [];
      for (const scenario of SCENARIOS) {
        if (scenario.ceiling === "" || scenario.name.startsWith("gRPC-Web") || !wanted(scenario.name))
          continue;
        log(`${scenario.name} at 1M users`);
        const at1m = await runScenario(big, scenario);
        const at10k = methods.find((m) => m.name === scenario.name);
        compared.push({
          name: scenario.name,
          users10k: at10k ? { full: at10k.full, half: at10k.half } : null,
          users1m: { full: at1m.full, half: at1m.half },
          halfP50Ratio: at10k ? round(at1m.half.p50 / at10k.half.p50, 2) : null,
          halfP99Ratio: at10k ? round(at1m.half.p99 / at10k.half.p99, 2) : null,
          rpsRatio: at10k ? round(at1m.full.rps / at10k.full.rps, 2) : null,
        });
      }
      scale = { seedSeconds, methods: compared };
    }
  } finally {
    clients.close();
    await server.stop();
    if (!SETTINGS.keepDatabase) await dropDatabase(dbName);
    await cleanRedis(prefix);
  }

  const targets = evaluateTargets(methods, ceilings, streams, scale);
  const caption = `${machine().cores} cores (${machine().cpu}), ${startedAt.toISOString().slice(0, 16)}Z, ${SETTINGS.durationS}s per run, median of ${SETTINGS.runs}`;
  const results = {
    startedAt: startedAt.toISOString(),
    machine: machine(),
    settings: { ...SETTINGS, only: SETTINGS.only ? [...SETTINGS.only] : null },
    methods: methods.map((m) => ({
      ...m,
      ratios: ratiosOf(
        m,
        ceilings.find((c) => c.name === m.ceiling),
      ),
    })),
    ceilings,
    peakRssMb: Math.max(0, ...methods.map((m) => m.full.peakRssMb), streams?.peakRssMb ?? 0),
    streams,
    scale,
    targets,
  };
  const name = env.BENCH_OUTPUT ?? "latest";
  writeFileSync(`${RESULTS}${name}.json`, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(`${RESULTS}${name}.svg`, svgChart(methods, ceilings, caption));
  process.stdout.write(`\n${table(methods, ceilings)}\n\n`);
  if (streams) {
    process.stdout.write(
      `streams: ${streams.opened}/${streams.requested} open, RSS ${streams.rssMb} MB (peak ${streams.peakRssMb} MB; ` +
        `settled ${streams.rssSettledMb ?? "-"} MB after ${streams.settledAfterS ?? "-"} s), ` +
        `event p99 ${streams.eventAfterAnswer.p99} ms after the answer, ${streams.eventAfterRequest.p99} ms after the request\n`,
    );
  }
  for (const t of targets) process.stdout.write(`${t.met ? "met " : "MISS"}  ${t.target}: ${t.value}\n`);
  process.stdout.write(`\nwritten: bench/results/${name}.json, bench/results/${name}.svg\n`);
}

await main();
