/**
 * `npx tsx bench/stream-heap.ts` (after `npm run build`): where the memory of open
 * WatchDeviceStatus streams goes. Starts the built server (or BENCH_USERLINK_BIN) with
 * `--heapsnapshot-signal`, opens the streams in steps (BENCH_HEAP_STEPS, default
 * 0,1000,5000) and at each step prints RSS and `process.memoryUsage()`'s split as the
 * ops port reports it, and writes a heap snapshot into BENCH_HEAP_DIR; then
 * `npx tsx bench/heap-summary.ts <a> <b>` compares two snapshots by constructor.
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createDatabase, databaseUrl, dropDatabase, seededAccessToken, seedUsers } from "./lib/database.js";
import { RawClient } from "./lib/raw-driver.js";
import { startServer } from "./lib/server-process.js";
import { bodies, Clients, createAppAndKey, PATHS } from "./lib/service-calls.js";
import { env, log } from "./lib/settings.js";

const DIR = env.BENCH_HEAP_DIR ?? fileURLToPath(new URL("./results/heap/", import.meta.url));
const STEPS = (env.BENCH_HEAP_STEPS ?? "0,1000,5000").split(",").map(Number);
const BIN = env.BENCH_USERLINK_BIN ?? fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  process.env.BENCH_USERLINK_BIN = BIN;
  const dbName = `userlink_heap_${randomBytes(5).toString("hex")}`;
  const adminToken = `heap-admin-${randomBytes(24).toString("base64url")}`;
  const url = databaseUrl(dbName);
  await createDatabase(dbName);
  const server = await startServer(
    {
      DATABASE_URL: url,
      REDIS_URL: "redis://127.0.0.1:6379",
      USERLINK_ADMIN_TOKEN: adminToken,
      USERLINK_REDIS_KEY_PREFIX: `heap-${randomBytes(4).toString("hex")}:`,
      ...(env.BENCH_SERVER_ENV ? Object.fromEntries(new URLSearchParams(env.BENCH_SERVER_ENV)) : {}),
    },
    [`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${DIR}`, ...(env.BENCH_NODE_FLAGS?.split(" ") ?? [])],
  );
  const clients = new Clients(`127.0.0.1:${server.grpcPort}`);
  try {
    const { appId } = await createAppAndKey(clients, adminToken);
    const max = Math.max(...STEPS);
    if (max > 0) await seedUsers(url, appId, 1, max);
    const watchers = await RawClient.connect(
      `http://127.0.0.1:${server.grpcPort}`,
      Math.max(1, Math.ceil(max / 1000)),
    );
    let open = 0;
    for (const step of STEPS) {
      const wave: Promise<void>[] = [];
      for (; open < step; open++) {
        const n = open + 1;
        wave.push(
          new Promise<void>((resolve) => {
            const stream = watchers.open(
              {
                path: PATHS.watchDeviceStatus,
                body: bodies.watchDeviceStatus(),
                headers: { authorization: `Bearer ${seededAccessToken(n)}` },
              },
              () => resolve(),
            );
            void stream.done.then(() => resolve());
          }),
        );
        if (wave.length === 500) await Promise.all(wave.splice(0));
      }
      await Promise.all(wave);
      await new Promise((r) => setTimeout(r, 2000));
      log(`${step} streams: RSS ${server.memory().rssMb.toFixed(0)} MB, ${await split(server.opsUrl)}`);
      await snapshot(server.pid, step);
    }
    watchers.close();
  } finally {
    clients.channel.close();
    await server.stop();
    await dropDatabase(dbName);
  }
}

/** SIGUSR2, then waits until the snapshot file stops growing. */
async function snapshot(pid: number, step: number): Promise<void> {
  const before = new Set(readdirSync(DIR));
  process.kill(pid, "SIGUSR2");
  for (let last = -1; ;) {
    await new Promise((r) => setTimeout(r, 1000));
    const file = readdirSync(DIR).find((name) => !before.has(name) && name.endsWith(".heapsnapshot"));
    if (file === undefined) continue;
    const size = statSync(`${DIR}/${file}`).size;
    if (size > 0 && size === last) {
      log(`  ${step} streams: ${DIR}${file}`);
      return;
    }
    last = size;
  }
}

async function split(opsUrl: string): Promise<string> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const mb = (name: string) =>
    (Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN) / 2 ** 20).toFixed(1);
  return (
    `heap used ${mb("userlink_nodejs_heap_size_used_bytes")} / total ${mb("userlink_nodejs_heap_size_total_bytes")} MB, ` +
    `external ${mb("userlink_nodejs_external_memory_bytes")} MB`
  );
}

await main();
