import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { latencyOf, type Latency } from "./stats.js";

const run = promisify(execFile);

export interface Ceiling {
  readonly rps: number;
  readonly latency: Latency;
}

const DEVICE_COLUMNS = `"id", "user_id", "app_id", "platform", "device_type", "state", "state_reason", "model", "os_version", "app_version", "sdk_version", "registration_code_hash", "created_at", "state_changed_at", "last_seen_at"`;
const NEW_DEVICE = `gen_random_uuid(), :u_id, :app, 'IOS', 'PHONE', 'ACTIVE', 'NEW_DEVICE', 'bench', '17.0', '1.0.0', '1.0.0', md5(random()::text) || md5(random()::text), now(), now(), now()`;
const AUDIT_COLUMNS = `"event_id", "app_id", "user_id", "device_id", "kind", "state", "reason", "details", "occurred_at", "actor_kind", "actor_id"`;

/** The user's upsert as findOrCreateForUpdate sends it: inserts, or locks and returns the user. */
const upsertUser = (externalId: string) =>
  `insert into "users" ("id", "app_id", "external_user_id", "disabled", "created_at") values (gen_random_uuid(), :app, ${externalId}, false, now()) on conflict ("app_id", "external_user_id") do update set "disabled" = "users"."disabled" returning *, xmax = 0 as "inserted" \\gset u_`;

/** DeviceRepository.register: device, credentials and audit rows in one statement, reading the app. */
const register = (events: readonly string[]) =>
  `with "registered_device" as (insert into "devices" (${DEVICE_COLUMNS}) values (${NEW_DEVICE}) returning "id"), ` +
  `"registered_credentials" as (insert into "device_credentials" ("device_id", "access_token_hash", "access_token_expires_at", "refresh_token_hash", "issued_at") select "id", md5(random()::text) || md5(random()::text), now() + interval '7 days', md5(random()::text) || md5(random()::text), now() from "registered_device"), ` +
  `"registered_events" as (insert into "audit_events" (${AUDIT_COLUMNS}) select gen_random_uuid(), :app, :u_id, "id", e.kind, e.state, e.reason, e.details::jsonb, now(), 'DEVICE', "id"::text from "registered_device", (values ${events.join(", ")}) as e(kind, state, reason, details)) ` +
  `select * from "apps" where "id" = :app;`;

/**
 * The statements of one CreateUser transaction as the repositories send them (Kysely
 * over pg: extended protocol, one round trip each), for a new user: the user's upsert,
 * then the registration (device, credentials, two audit rows, and the app) in one.
 * The device id comes from the CTE rather than the client, so that pgbench needs no
 * variable for it; the statement does the same work.
 */
const CREATE_USER_NEW = `
BEGIN;
${upsertUser(`'pgb-' || gen_random_uuid()`)}
${register([`('user.created', null, null, '{"platform":"IOS","device_type":"PHONE"}')`, `('device.state_changed', 'ACTIVE', 'NEW_DEVICE', '{}')`])}
COMMIT;
`;

/**
 * A restoration with replacement: the upsert finds and locks the user; the live devices
 * are read, the active phone deactivated, and the new one registered with three audit rows.
 */
const CREATE_USER_RESTORE = `
\\set n random(1, :users)
BEGIN;
${upsertUser(`'bench-user-' || cast(:n as text)`)}
select * from "devices" where "user_id" = :u_id and "state" in ('ACTIVE', 'INACTIVE') order by "created_at" desc, "id" desc;
update "devices" set "state" = 'DEACTIVATED', "state_reason" = 'REPLACED_BY_NEWER_DEVICE', "state_changed_at" = now() where "user_id" = :u_id and "state" = 'ACTIVE';
${register([`('user.restored', null, null, '{"platform":"IOS","device_type":"PHONE"}')`, `('device.state_changed', 'DEACTIVATED', 'REPLACED_BY_NEWER_DEVICE', '{}')`, `('device.state_changed', 'ACTIVE', 'NEW_DEVICE', '{}')`])}
COMMIT;
`;

export const PGBENCH_SCRIPTS = { createUserNew: CREATE_USER_NEW, createUserRestore: CREATE_USER_RESTORE };

export interface PgbenchOptions {
  readonly url: string;
  readonly clients: number;
  readonly durationS: number;
  /** A custom script, or "select-only" for pgbench -S on its own tables. */
  readonly script: string | "select-only";
  readonly variables?: Record<string, string>;
}

/** pgbench -M extended (the protocol pg speaks for Kysely), latencies from its per-transaction log. */
export async function pgbench(options: PgbenchOptions): Promise<Ceiling> {
  const dir = await mkdtemp(join(tmpdir(), "userlink-pgbench-"));
  try {
    const args = [
      "-n",
      "-M",
      "extended",
      "-c",
      String(options.clients),
      "-j",
      "2",
      "-T",
      String(options.durationS),
      "-l",
      "--log-prefix",
      join(dir, "tx"),
      ...Object.entries(options.variables ?? {}).flatMap(([k, v]) => ["-D", `${k}=${v}`]),
    ];
    if (options.script === "select-only") {
      args.push("-S");
    } else {
      const file = join(dir, "script.sql");
      await writeFile(file, options.script);
      args.push("-f", file);
    }
    const { stdout } = await run("pgbench", [...args, options.url], { maxBuffer: 16 << 20 });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    const latencies: number[] = [];
    for (const name of await readdir(dir)) {
      if (!name.startsWith("tx")) continue;
      for (const line of (await readFile(join(dir, name), "utf8")).split("\n")) {
        const micros = Number(line.split(" ")[2]);
        if (line !== "" && Number.isFinite(micros)) latencies.push(micros);
      }
    }
    return { rps: tps, latency: latencyOf(latencies) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** pgbench's own tables for -S, small (scale 10: a million accounts). */
export async function pgbenchInit(url: string): Promise<void> {
  await run("pgbench", ["-i", "-q", "-s", "10", "--no-vacuum", url], { maxBuffer: 16 << 20 });
}

export interface RedisCeilingOptions {
  readonly clients: number;
  readonly requests: number;
  readonly command: readonly string[];
}

/** redis-benchmark running one command (random key suffixes through __rand_int__). */
export async function redisBenchmark(options: RedisCeilingOptions): Promise<Ceiling> {
  const { stdout } = await run("redis-benchmark", [
    "-h",
    "127.0.0.1",
    "-p",
    "6379",
    "-c",
    String(options.clients),
    "-n",
    String(options.requests),
    "-r",
    "100000",
    "--csv",
    ...options.command,
  ]);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const row = stdout
    .trim()
    .split("\n")
    .at(-1)!
    .split(",")
    .map((cell) => cell.replace(/"/g, ""));
  return {
    rps: Number(row[1]),
    latency: { p50: Number(row[4]), p99: Number(row[6]), samples: options.requests },
  };
}
