/**
 * `npm run bench`: userlink against the real Postgres and Redis, measured from outside
 * (h2load, and a raw HTTP/2 driver where every request needs its own body), beside the
 * ceilings of the same machine in the same run. See bench/README.md.
 */
import { execFileSync, execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { PGBENCH_SCRIPTS, pgbench, pgbenchInit, redisBenchmark } from "./lib/ceilings.js";
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  seededAccessToken,
  seededExternalId,
  seedUsers,
} from "./lib/database.js";
import { frame, grpcWebStatus } from "./lib/grpc-frames.js";
import { measure, type Load, type LoadFigures } from "./lib/measure.js";
import { ratiosOf, svgChart, table, type CeilingResult, type MethodResult } from "./lib/report.js";
import { bodies, Clients, createAppAndKey, issueCodes, PATHS } from "./lib/service-calls.js";
import { startServer, type ServerProcess } from "./lib/server-process.js";
import { median, round } from "./lib/stats.js";
import { measureStreams, type StreamFigures } from "./lib/streams.js";
import { CONSUME } from "../src/adapters/redis/auth-code-scripts.js";
import { RequestAuthCodeRequest } from "../src/gen/userlink/v1/link_service.js";

const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const SETTINGS = {
  durationS: num("BENCH_DURATION", 10),
  warmUpS: num("BENCH_WARMUP", 2),
  runs: num("BENCH_RUNS", 1),
  users: num("BENCH_USERS", 10_000),
  scale: env.BENCH_SCALE === "1m",
  streams: num("BENCH_STREAMS", 10_000),
  restorations: num("BENCH_STREAM_RESTORATIONS", 500),
  /** gRPC load: connections × streams in flight on each. */
  connections: num("BENCH_CONNECTIONS", 4),
  streamsPerConnection: num("BENCH_STREAMS_PER_CONNECTION", 16),
  /** gRPC-Web over HTTP/1.1 has one call in flight per connection. */
  http1Connections: num("BENCH_H1_CONNECTIONS", 64),
  poolMax: num("USERLINK_DB_POOL_MAX", 10),
  profile: env.BENCH_PROFILE === "1",
  /** Half load over h2c: "raw" (evenly paced, open loop) or "h2load" (its --rps). */
  halfLoadDriver: env.BENCH_HALF_DRIVER === "h2load" ? "h2load" : "raw",
  only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(",")) : null,
  keepDatabase: env.BENCH_KEEP_DB === "1",
};
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
const wanted = (name: string) => SETTINGS.only === null || SETTINGS.only.has(name);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function ensureTools(): void {
  execFileSync("bash", [fileURLToPath(new URL("../scripts/ensure-services.sh", import.meta.url))], {
    stdio: "inherit",
  });
  const has = (tool: string) => {
    try {
      execSync(`command -v ${tool}`, { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (!has("h2load")) {
    log("installing h2load (nghttp2-client)");
    execSync(
      "apt-get install -y -qq nghttp2-client || (apt-get update -qq && apt-get install -y -qq nghttp2-client)",
      {
        stdio: "inherit",
      },
    );
  }
  for (const tool of ["pgbench", "redis-benchmark"]) {
    if (!has(tool))
      throw new Error(`${tool} is missing (it comes with the postgresql / redis-tools packages)`);
  }
}

interface Context {
  server: ServerProcess;
  clients: Clients;
  apiKey: string;
  appId: string;
  grpcUrl: string;
  grpcWebUrl: string;
  users: number;
}

const METHOD = {
  health: "grpc.health.v1.Health/Check",
  requestAuthCode: "userlink.v1.LinkService/RequestAuthCode",
  createUser: "userlink.v1.DeviceService/CreateUser",
  getDeviceStatus: "userlink.v1.DeviceService/GetDeviceStatus",
};

interface Scenario {
  readonly name: string;
  readonly method: string;
  readonly ceiling: string;
  /** The load at full speed (rate undefined) or at `rate` requests/s. */
  load(ctx: Context, rate: number | undefined): Promise<Load>;
  /** A real client makes the same call and must get OK; throws otherwise. */
  check(ctx: Context): Promise<void>;
}

const grpcHeaders = (token?: string): Record<string, string> => ({
  "content-type": "application/grpc",
  te: "trailers",
  ...(token && { authorization: `Bearer ${token}` }),
});
const webHeaders = (token?: string): Record<string, string> => ({
  "content-type": "application/grpc-web+proto",
  "x-grpc-web": "1",
  ...(token && { authorization: `Bearer ${token}` }),
});

function h2(
  ctx: Context,
  rate: number | undefined,
  body: Buffer,
  headers: Record<string, string>,
  path: string,
  http1 = false,
): Load {
  const clients = http1 ? SETTINGS.http1Connections : SETTINGS.connections;
  if (rate !== undefined && !http1 && SETTINGS.halfLoadDriver === "raw") {
    // h2load's --rps fires every connection's requests on the same ticks, in bursts that
    // queue like full load; half load is a steady rate, started evenly (open loop).
    return {
      kind: "raw",
      options: {
        url: ctx.grpcUrl,
        connections: clients,
        concurrency: clients * SETTINGS.streamsPerConnection,
        rate,
        durationMs: SETTINGS.durationS * 1000,
        next: () => ({ path, body, headers }),
      },
    };
  }
  return {
    kind: "h2load",
    options: {
      url: `${http1 ? ctx.grpcWebUrl : ctx.grpcUrl}${path}`,
      body,
      headers,
      clients,
      streams: SETTINGS.streamsPerConnection,
      durationS: SETTINGS.durationS,
      warmUpS: SETTINGS.warmUpS,
      ...(rate !== undefined && { rpsPerClient: Math.max(1, Math.round(rate / clients)) }),
      http1,
    },
  };
}

async function grpcWebCall(ctx: Context, path: string, body: Buffer, token?: string): Promise<number | null> {
  const response = await fetch(`${ctx.grpcWebUrl}${path}`, {
    method: "POST",
    headers: webHeaders(token),
    body,
  });
  return grpcWebStatus(Buffer.from(await response.arrayBuffer()));
}

/** A fresh external id per run: a code request never creates the user, so one body stays "new". */
const NEW_EXTERNAL_ID = `bench-new-${randomBytes(6).toString("hex")}`;
/** Users 1..users-1 are restored; the last one keeps its device for GetDeviceStatus. */
const statusUser = (ctx: Context) => ctx.users;

function createUserScenario(name: string, pickExternalId: (ctx: Context, i: number) => string): Scenario {
  return {
    name,
    method: METHOD.createUser,
    ceiling:
      name === "CreateUser (new user)" ? "pgbench CreateUser SQL (new)" : "pgbench CreateUser SQL (restore)",
    async load(ctx, rate) {
      // Every call redeems a code of its own: issued beforehand, outside the window.
      // Full load: enough for 1,500/s (a faster run ends early when they run out, and its
      // rate is still over the time it ran).
      const expected = rate ?? 1500;
      const count = Math.ceil(expected * (SETTINGS.durationS + 1));
      const offset = Math.floor(Math.random() * 1e9);
      const codes = await issueCodes(
        ctx.grpcUrl,
        ctx.apiKey,
        Array.from({ length: count }, (_, i) => pickExternalId(ctx, offset + i)),
      );
      return {
        kind: "raw",
        options: {
          url: ctx.grpcUrl,
          connections: SETTINGS.connections,
          concurrency: SETTINGS.connections * SETTINGS.streamsPerConnection,
          ...(rate !== undefined && { rate }),
          durationMs: SETTINGS.durationS * 1000,
          next: (i) =>
            i < codes.length ? { path: PATHS.createUser, body: bodies.createUser(codes[i]!) } : null,
        },
      };
    },
    async check(ctx) {
      const [code] = await issueCodes(ctx.grpcUrl, ctx.apiKey, [
        pickExternalId(ctx, Math.floor(Math.random() * 1e9)),
      ]);
      const answer = await ctx.clients.device().createUser({
        authenticationCode: code!,
        requestId: `check-${randomBytes(4).toString("hex")}`,
        device: { platform: 1, deviceType: 1, model: "bench", osVersion: "17.0" },
      });
      if (!answer.userId) throw new Error(`${name}: no user in the answer`);
    },
  };
}

const SCENARIOS: Scenario[] = [
  {
    name: "Health/Check (gRPC)",
    method: METHOD.health,
    ceiling: "",
    load: async (ctx, rate) => h2(ctx, rate, bodies.empty(), grpcHeaders(), PATHS.health),
    async check(ctx) {
      await ctx.clients.health().check({ service: "" });
    },
  },
  {
    name: "Health/Check (gRPC-Web)",
    method: METHOD.health,
    ceiling: "",
    load: async (ctx, rate) => h2(ctx, rate, bodies.empty(), webHeaders(), PATHS.health, true),
    async check(ctx) {
      const status = await grpcWebCall(ctx, PATHS.health, bodies.empty());
      if (status !== 0) throw new Error(`gRPC-Web health: grpc-status ${status}`);
    },
  },
  {
    name: "RequestAuthCode (new user)",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(ctx, rate, bodies.requestAuthCode(NEW_EXTERNAL_ID), grpcHeaders(ctx.apiKey), PATHS.requestAuthCode),
    async check(ctx) {
      const answer = await ctx.clients.link(ctx.apiKey).requestAuthCode({ externalUserId: NEW_EXTERNAL_ID });
      if (answer.existingUser) throw new Error("the new user exists");
    },
  },
  {
    name: "RequestAuthCode (existing user)",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.requestAuthCode(seededExternalId(2)),
        grpcHeaders(ctx.apiKey),
        PATHS.requestAuthCode,
      ),
    async check(ctx) {
      const answer = await ctx.clients
        .link(ctx.apiKey)
        .requestAuthCode({ externalUserId: seededExternalId(2) });
      if (!answer.existingUser) throw new Error("the existing user was not found");
    },
  },
  {
    name: "GetDeviceStatus",
    method: METHOD.getDeviceStatus,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.getDeviceStatus(),
        grpcHeaders(seededAccessToken(statusUser(ctx))),
        PATHS.getDeviceStatus,
      ),
    async check(ctx) {
      const answer = await ctx.clients.device(seededAccessToken(statusUser(ctx))).getDeviceStatus({});
      if (answer.deviceState !== 1) throw new Error(`GetDeviceStatus: state ${answer.deviceState}`);
    },
  },
  {
    // Every call a different device (the seeded ones, round robin), as in production:
    // a batch of lookups then carries as many tokens as calls. Before the restorations,
    // which deactivate these devices.
    name: "GetDeviceStatus (many devices)",
    method: METHOD.getDeviceStatus,
    ceiling: "Health/Check (gRPC)",
    load: (ctx, rate) =>
      Promise.resolve({
        kind: "raw" as const,
        options: {
          url: ctx.grpcUrl,
          connections: SETTINGS.connections,
          concurrency: SETTINGS.connections * SETTINGS.streamsPerConnection,
          ...(rate !== undefined && { rate }),
          durationMs: SETTINGS.durationS * 1000,
          next: (i: number) => ({
            path: PATHS.getDeviceStatus,
            body: bodies.getDeviceStatus(),
            headers: { authorization: `Bearer ${seededAccessToken(1 + (i % ctx.users))}` },
          }),
        },
      }),
    async check(ctx) {
      const answer = await ctx.clients.device(seededAccessToken(1)).getDeviceStatus({});
      if (answer.deviceState !== 1) throw new Error(`GetDeviceStatus: state ${answer.deviceState}`);
    },
  },
  createUserScenario("CreateUser (new user)", (_ctx, i) => `bench-created-${process.pid}-${i}`),
  createUserScenario("CreateUser (restore + replace)", (ctx, i) =>
    seededExternalId(1 + (i % (ctx.users - 1))),
  ),
  {
    name: "gRPC-Web RequestAuthCode",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC-Web)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.requestAuthCode(NEW_EXTERNAL_ID),
        webHeaders(ctx.apiKey),
        PATHS.requestAuthCode,
        true,
      ),
    async check(ctx) {
      const body = frame(RequestAuthCodeRequest.encode({ externalUserId: NEW_EXTERNAL_ID }).finish());
      const status = await grpcWebCall(ctx, PATHS.requestAuthCode, body, ctx.apiKey);
      if (status !== 0) throw new Error(`gRPC-Web RequestAuthCode: grpc-status ${status}`);
    },
  },
];

function medianFigures(runs: readonly LoadFigures[]): LoadFigures {
  const pick = (f: (x: LoadFigures) => number) => round(median(runs.map(f)), 2);
  const statuses: Record<string, number> = {};
  for (const run of runs)
    for (const [k, v] of Object.entries(run.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    rps: pick((x) => x.rps),
    p50: pick((x) => x.p50),
    p99: pick((x) => x.p99),
    cpuUsPerCall: pick((x) => x.cpuUsPerCall),
    statuses,
    okShare: pick((x) => x.okShare),
    peakRssMb: Math.max(...runs.map((x) => x.peakRssMb)),
    ...(runs[0]?.dataBytesPerAnswer !== undefined && {
      dataBytesPerAnswer: pick((x) => x.dataBytesPerAnswer ?? 0),
    }),
  };
}

async function runScenario(ctx: Context, scenario: Scenario): Promise<MethodResult> {
  const fulls: LoadFigures[] = [];
  const halves: LoadFigures[] = [];
  await scenario.check(ctx);
  for (let run = 0; run < SETTINGS.runs; run++) {
    const full = await measure(ctx.server, scenario.method, await scenario.load(ctx, undefined));
    log(
      `  ${scenario.name} full: ${full.rps}/s p50 ${full.p50} p99 ${full.p99} cpu ${full.cpuUsPerCall}µs ${JSON.stringify(full.statuses)}`,
    );
    const half = await measure(ctx.server, scenario.method, await scenario.load(ctx, full.rps / 2));
    log(`  ${scenario.name} half: ${half.rps}/s p50 ${half.p50} p99 ${half.p99} cpu ${half.cpuUsPerCall}µs`);
    fulls.push(full);
    halves.push(half);
  }
  await scenario.check(ctx);
  return {
    name: scenario.name,
    ceiling: scenario.ceiling,
    full: medianFigures(fulls),
    half: medianFigures(halves),
  };
}

async function databaseCeilings(url: string, appId: string, users: number): Promise<CeilingResult[]> {
  const out: CeilingResult[] = [];
  const common = { url, clients: SETTINGS.poolMax, durationS: SETTINGS.durationS };
  for (const [name, script] of [
    ["pgbench CreateUser SQL (new)", PGBENCH_SCRIPTS.createUserNew],
    ["pgbench CreateUser SQL (restore)", PGBENCH_SCRIPTS.createUserRestore],
    ["pgbench -S", "select-only"],
  ] as const) {
    if (!wanted(name)) continue;
    if (script === "select-only") await pgbenchInit(url);
    const runs = [];
    for (let i = 0; i < SETTINGS.runs; i++) {
      runs.push(await pgbench({ ...common, script, variables: { app: appId, users: String(users - 1) } }));
    }
    const result = {
      name,
      rps: round(median(runs.map((r) => r.rps)), 0),
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
    };
    log(`  ${name}: ${result.rps}/s p50 ${result.p50} p99 ${result.p99}`);
    out.push(result);
  }
  return out;
}

async function redisCeilings(prefix: string): Promise<CeilingResult[]> {
  const redis = new Redis("redis://127.0.0.1:6379");
  // The consume script exactly as the code store registers it, run on codes saved with HSET.
  const sha = (await redis.script("LOAD", CONSUME)) as string;
  const key = `${prefix}bench-code:{__rand_int__}`;
  const fields = ["appId", "0190b0c0-0000-7000-8000-000000000000", "externalUserId", "bench-user-1"];
  const times = ["issuedAt", "1700000000000", "expiresAt", "9999999999999"];
  const out: CeilingResult[] = [];
  const commands: Array<[string, string[]]> = [
    ["redis HSET (code save)", ["HSET", key, ...fields, ...times]],
    ["redis EVALSHA (code consume)", ["EVALSHA", sha, "1", key, "req-1", "1700000000001"]],
    ["redis GET (revocation check)", ["GET", `${prefix}revoked:{__rand_int__}`]],
  ];
  for (const [name, command] of commands) {
    if (!wanted(name)) continue;
    const result = await redisBenchmark({ clients: 50, requests: 200_000, command });
    log(`  ${name}: ${result.rps}/s p50 ${result.latency.p50} p99 ${result.latency.p99}`);
    out.push({ name, rps: result.rps, p50: result.latency.p50, p99: result.latency.p99 });
  }
  redis.disconnect();
  return out;
}

/** Leaves nothing of the run behind in the shared Redis: codes, counters, benchmark keys. */
async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis("redis://127.0.0.1:6379");
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}

function machine() {
  const pgVersion = execSync("psql --version 2>/dev/null || true").toString().trim();
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: pgVersion,
    redis: execSync("redis-server --version").toString().trim().split(" ").slice(0, 3).join(" "),
    load: execSync("cat /proc/loadavg").toString().trim(),
  };
}

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
    SETTINGS.profile ? ["--cpu-prof", "--cpu-prof-dir", RESULTS] : [],
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
      const result = await runScenario(ctx, scenario);
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
      const big: Context = { ...ctx, users: 1_000_000 };
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
      `streams: ${streams.opened}/${streams.requested} open, RSS ${streams.rssMb} MB (peak ${streams.peakRssMb} MB), ` +
        `event p99 ${streams.eventAfterAnswer.p99} ms after the answer, ${streams.eventAfterRequest.p99} ms after the request\n`,
    );
  }
  for (const t of targets) process.stdout.write(`${t.met ? "met " : "MISS"}  ${t.target}: ${t.value}\n`);
  process.stdout.write(`\nwritten: bench/results/${name}.json, bench/results/${name}.svg\n`);
}

interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

function evaluateTargets(
  methods: readonly MethodResult[],
  ceilings: readonly CeilingResult[],
  streams: StreamFigures | null,
  scale: Record<string, unknown> | null,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (m: MethodResult) => m.full.rps / (ceilings.find((c) => c.name === m.ceiling)?.rps ?? NaN);
  const want = (name: string, min: number) => {
    const m = methods.find((x) => x.name === name);
    if (m)
      out.push({
        target: `${name} ≥ ${min} of ${m.ceiling}`,
        value: ratio(m).toFixed(2),
        met: ratio(m) >= min,
      });
  };
  want("RequestAuthCode (new user)", 0.5);
  want("RequestAuthCode (existing user)", 0.5);
  want("GetDeviceStatus", 0.6);
  want("CreateUser (new user)", 0.5);
  want("CreateUser (restore + replace)", 0.5);
  for (const m of methods.filter((x) => x.name.startsWith("CreateUser"))) {
    out.push({ target: `${m.name} ≥ 1000/s`, value: `${m.full.rps}/s`, met: m.full.rps >= 1000 });
  }
  for (const m of methods) {
    out.push({
      target: `${m.name} p99 at half load < 10 ms`,
      value: `${m.half.p99} ms`,
      met: m.half.p99 < 10,
    });
  }
  if (scale) {
    for (const m of scale.methods as Array<{ name: string; halfP50Ratio: number; halfP99Ratio: number }>) {
      out.push({
        target: `${m.name} latency at 1M ≤ 1.2× at 10k (half-load p50 / p99)`,
        value: `${m.halfP50Ratio} / ${m.halfP99Ratio}`,
        met: m.halfP50Ratio <= 1.2,
      });
    }
  }
  if (streams) {
    out.push({
      target: `${streams.requested} streams under 300 MB RSS`,
      value: `${streams.opened} open, ${streams.rssMb} MB`,
      met: streams.opened === streams.requested && streams.rssMb < 300,
    });
    out.push({
      target: "stream event p99 < 100 ms",
      value: `${streams.eventAfterAnswer.p99} ms (${streams.eventsReceived}/${streams.restorations} events)`,
      met: streams.eventAfterAnswer.p99 < 100 && streams.eventsReceived === streams.restorations,
    });
  }
  return out;
}

await main();
