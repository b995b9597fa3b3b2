import { Redis } from "ioredis";
import { CONSUME, SAVE } from "../../src/adapters/redis/auth-code-scripts.js";
import { PGBENCH_SCRIPTS, pgbench, pgbenchInit, redisBenchmark } from "./ceilings.js";
import type { CeilingResult } from "./report.js";
import { log, SETTINGS, wanted } from "./settings.js";
import { median, round } from "./stats.js";

/** pgbench with the CreateUser statements and select-only, at the server's pool size. */
export async function databaseCeilings(url: string, appId: string, users: number): Promise<CeilingResult[]> {
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

export async function redisCeilings(prefix: string): Promise<CeilingResult[]> {
  const redis = new Redis("redis://127.0.0.1:6379");
  // The save and consume scripts exactly as the code store registers them.
  const saveSha = (await redis.script("LOAD", SAVE)) as string;
  const sha = (await redis.script("LOAD", CONSUME)) as string;
  const key = `${prefix}bench-code:{__rand_int__}`;
  const fields = ["appId", "0190b0c0-0000-7000-8000-000000000000", "externalUserId", "bench-user-1"];
  const times = ["issuedAt", "1700000000000", "expiresAt", "9999999999999"];
  const out: CeilingResult[] = [];
  const commands: Array<[string, string[]]> = [
    ["redis EVALSHA (code save)", ["EVALSHA", saveSha, "1", key, "600000", ...fields, ...times]],
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
export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis("redis://127.0.0.1:6379");
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
