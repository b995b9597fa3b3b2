/**
 * `npx tsx bench/build-figures.ts`: the sources through tsx against the build (plain
 * node on dist/, after `npm run build`): seconds from spawn to the first SERVING answer of
 * grpc.health Check (embedded default, as `npm start` runs it, and on Postgres + Redis),
 * idle RSS, and RSS with 10,000 open WatchDeviceStatus streams (bench/lib/streams.ts).
 * Prints one JSON object; the README's production section quotes it.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChannel, createClient } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { freePort } from "../test/support/free-port.js";
import { BUILT_ENTRY_PATH } from "../test/reliability/support/built-artifact.js";
import { createDatabase, databaseUrl, dropDatabase, seedUsers } from "./lib/database.js";
import { startServer, type ServerProcess } from "./lib/server-process.js";
import { Clients, createAppAndKey } from "./lib/service-calls.js";
import { measureStreams } from "./lib/streams.js";

// grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING (the enum is not exported by the package root).
const SERVING = 1;
const RUNS = Number(process.env.FIGURES_RUNS ?? 3);
const STREAMS = Number(process.env.FIGURES_STREAMS ?? 10_000);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Variant = "tsx" | "dist";

async function start(
  variant: Variant,
  env: Record<string, string>,
): Promise<{ server: ServerProcess; servingSeconds: number }> {
  if (variant === "dist") process.env.BENCH_USERLINK_BIN = BUILT_ENTRY_PATH;
  else delete process.env.BENCH_USERLINK_BIN;
  const grpcPort = await freePort();
  const channel = createChannel(`127.0.0.1:${grpcPort}`);
  const health = createClient(HealthDefinition, channel);
  const spawned = performance.now();
  let servingAt: number | null = null;
  let stopPolling = false;
  const polling = (async () => {
    while (!stopPolling) {
      const answer = await health
        .check({ service: "" }, { signal: AbortSignal.timeout(500) })
        .catch(() => null);
      if (answer?.status === SERVING) {
        servingAt = performance.now();
        return;
      }
      await sleep(20);
    }
  })();
  const server = await startServer({ ...env, USERLINK_GRPC_PORT: String(grpcPort) });
  await Promise.race([polling, sleep(60_000)]);
  stopPolling = true;
  channel.close();
  if (servingAt === null) throw new Error(`${variant}: never SERVING`);
  return { server, servingSeconds: round(((servingAt as number) - spawned) / 1000, 2) };
}

async function embedded(variant: Variant): Promise<{ servingSeconds: number; idleRssMb: number }> {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = await mkdtemp(join(tmpdir(), "userlink-figures-"));
    const { server, servingSeconds } = await start(variant, { USERLINK_DATA_DIR: dir });
    await sleep(3_000);
    rss.push(server.memory().rssMb);
    times.push(servingSeconds);
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { servingSeconds: median(times), idleRssMb: round(median(rss), 0) };
}

async function postgres(variant: Variant): Promise<Record<string, number>> {
  const name = `userlink_figures_${randomBytes(5).toString("hex")}`;
  await createDatabase(name);
  const adminToken = `figures-admin-${randomBytes(24).toString("base64url")}`;
  try {
    const { server, servingSeconds } = await start(variant, {
      DATABASE_URL: databaseUrl(name),
      REDIS_URL: "redis://127.0.0.1:6379",
      USERLINK_ADMIN_TOKEN: adminToken,
      USERLINK_REDIS_KEY_PREFIX: `figures-${randomBytes(4).toString("hex")}:`,
      USERLINK_RATE_KEY_MAX: "0",
    });
    try {
      await sleep(3_000);
      const idleRssMb = server.memory().rssMb;
      const clients = new Clients(`127.0.0.1:${server.grpcPort}`);
      const { appId, apiKey } = await createAppAndKey(clients, adminToken);
      await seedUsers(databaseUrl(name), appId, 1, STREAMS);
      const streams = await measureStreams(server, apiKey, STREAMS, 100);
      return {
        servingSeconds,
        idleRssMb: round(idleRssMb, 0),
        streamsOpened: streams.opened,
        streamsRssMb: round(streams.rssMb, 0),
        streamsPeakRssMb: round(streams.peakRssMb, 0),
        streamsHeapUsedMb: round(streams.heapUsedMb, 0),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await dropDatabase(name);
  }
}

if (!existsSync(BUILT_ENTRY_PATH)) throw new Error("run `npm run build` first");
const figures: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, runs: RUNS };
for (const variant of ["tsx", "dist"] as const) {
  figures[variant] = { embedded: await embedded(variant), postgres: await postgres(variant) };
  console.error(`${variant}: ${JSON.stringify(figures[variant])}`);
}
figures.load = (await import("node:fs")).readFileSync("/proc/loadavg", "utf8").trim();
console.log(JSON.stringify(figures, null, 2));
process.exit(0);
