import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChannel, createClientFactory, Metadata, type Channel } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { ALL_SCOPES, phone } from "../support/flow.js";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { checkInvariants, query, violationCount } from "./support/invariants.js";
import {
  callsBetween,
  recoverySeconds,
  startLoad,
  tallyCalls,
  type LoadEvent,
  type RunningLoad,
} from "./support/load.js";
import { compact, internalCount, outcomeOf } from "./support/outcomes.js";
import { startPrivateRedis, type PrivateRedis } from "./support/private-redis.js";
import { byProfile, report } from "./support/report.js";
import { spawnServer, type ServerProcess } from "./support/server-process.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";
import { sleep, waitFor } from "./support/wait.js";

const FAULT_MS = byProfile(3_000, 15_000);
/** A blackhole lasts at least this long: past every client-side timeout of the service. */
const BLACKHOLE_MS = 8_000;
/** Longest wait for the flow to work again once the dependency is back. */
const RECOVERY_LIMIT_MS = 30_000;
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("faults under steady load from a second process (real, two server processes)", () => {
  let dir: string;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let a: ServerProcess;
  let b: ServerProcess;
  let load: RunningLoad | null = null;
  let apiKey: string;
  let events: LoadEvent[] = [];
  const adminToken = `reliability-admin-${randomBytes(24).toString("base64url")}`;
  const channels: Channel[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "userlink-faults-"));
    postgres = await startPrivatePostgres();
    redis = await startPrivateRedis();
    pgProxy = await startTcpProxy(Number(new URL(postgres.url).port));
    redisProxy = await startTcpProxy(redis.port);
    const env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`,
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      USERLINK_ADMIN_TOKEN: adminToken,
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
      USERLINK_DATA_DIR: dir,
      USERLINK_RATE_KEY_MAX: "0",
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0",
      USERLINK_SHUTDOWN_GRACE_SECONDS: "1",
    };
    // Both at once: migrations on start must be safe with several instances.
    [a, b] = await Promise.all([spawnServer(env, join(dir, "a.log")), spawnServer(env, join(dir, "b.log"))]);
    const channel = createChannel(a.grpcAddress);
    channels.push(channel);
    const admin = createClientFactory()
      .use(errorDetailsClientMiddleware)
      .create(AdminServiceDefinition, channel, {
        "*": { metadata: Metadata({ authorization: `Bearer ${adminToken}` }) },
      });
    const { app } = await admin.createApp({ displayName: "faults", sdkConfig: { theme: "dark" } });
    ({ apiKey } = await admin.createApiKey({ appId: app!.appId, name: "load", scopes: ALL_SCOPES }));
    load = startLoad({
      addresses: [a.grpcAddress, b.grpcAddress],
      apiKey,
      outFile: join(dir, "load.jsonl"),
      concurrency: 4,
      sharedIds: 20,
      deadlineMs: 10_000,
    });
    // Warm: the flow works end to end before any fault.
    await waitFor(() => load!.events().filter((e) => e.ev === "created").length >= 10, 30_000);
  });

  afterAll(async () => {
    await load?.stop();
    for (const channel of channels) channel.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await Promise.all([pgProxy?.close(), redisProxy?.close()]);
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
    // RELIABILITY_KEEP=1 keeps the servers' logs and the load's events for a post-mortem.
    if (dir && process.env.RELIABILITY_KEEP !== "1") await rm(dir, { recursive: true, force: true });
    else if (dir) console.log(`kept ${dir}`);
  });

  /**
   * Applies `fault` for FAULT_MS under the load, undoes it, and waits until the flow
   * is acknowledged again; reports the calls of the phase and the seconds to recover.
   */
  async function phase(
    name: string,
    fault: () => Promise<void>,
    undo: () => Promise<void>,
    faultMs = FAULT_MS,
  ): Promise<void> {
    const started = Date.now();
    await fault();
    await sleep(faultMs);
    const faultEnded = Date.now();
    await undo();
    const returned = Date.now();
    await waitFor(() => recoverySeconds(load!.events(), returned) !== null, RECOVERY_LIMIT_MS);
    await sleep(500);
    const now = Date.now();
    const all = load!.events();
    const calls = callsBetween(all, started, now);
    const during = callsBetween(all, started, faultEnded);
    const tally = tallyCalls(calls);
    const recovery = recoverySeconds(all, returned);
    report(`fault: ${name}`, {
      fault_seconds: Math.round((faultEnded - started) / 100) / 10,
      calls: calls.length,
      acknowledged: tally.OK ?? 0,
      acknowledged_during_fault: during.filter((c) => c.outcome === "OK").length,
      outcomes: compact(tally),
      internal: internalCount(tally),
      recovery_seconds: recovery ?? "never",
      servers_alive: [a, b].filter((s) => s.child.exitCode === null && s.child.signalCode === null).length,
    });
    expect(internalCount(tally)).toBe(0);
    expect(recovery).not.toBeNull();
  }

  it("rides out a slow Postgres", () =>
    phase(
      "postgres slow (150 ms each way)",
      async () => pgProxy.setMode({ kind: "delay", ms: 150 }),
      async () => pgProxy.setMode({ kind: "pass" }),
    ));

  it("rides out a blackholed Postgres", () =>
    phase(
      "postgres blackholed",
      async () => pgProxy.setMode({ kind: "blackhole" }),
      async () => pgProxy.setMode({ kind: "pass" }),
      // Longer than a query's 6 s client-side timeout, so that it fires.
      Math.max(FAULT_MS, BLACKHOLE_MS),
    ));

  it("rides out Postgres connections reset", () =>
    phase(
      "postgres connections reset",
      async () => pgProxy.setMode({ kind: "reset" }),
      async () => pgProxy.setMode({ kind: "pass" }),
    ));

  it("rides out a Postgres restart", () =>
    phase(
      "postgres restarted",
      () => postgres.stop(),
      () => postgres.start(),
    ));

  it("rides out a slow Redis", () =>
    phase(
      "redis slow (300 ms each way)",
      async () => redisProxy.setMode({ kind: "delay", ms: 300 }),
      async () => redisProxy.setMode({ kind: "pass" }),
    ));

  it("rides out a blackholed Redis", () =>
    phase(
      "redis blackholed",
      async () => redisProxy.setMode({ kind: "blackhole" }),
      async () => redisProxy.setMode({ kind: "pass" }),
      Math.max(FAULT_MS, BLACKHOLE_MS),
    ));

  it("rides out Redis connections reset", () =>
    phase(
      "redis connections reset",
      async () => redisProxy.setMode({ kind: "reset" }),
      async () => redisProxy.setMode({ kind: "pass" }),
    ));

  it("rides out a Redis restart", () =>
    phase(
      "redis restarted",
      () => redis.stop(),
      () => redis.start(),
    ));

  it("goes on serving on one instance when the other is killed with SIGKILL", () =>
    phase(
      "one of two instances killed (SIGKILL)",
      () => a.kill(),
      // Nothing comes back: the surviving instance carries the load.
      async () => {},
    ));

  it("finds every acknowledged piece of work afterwards, and no invariant broken", async () => {
    events = await load!.stop();
    load = null;
    const dbUrl = postgres.url;
    const calls = events.filter((e) => e.ev === "call");
    const tally = tallyCalls(calls);
    const codes = events.filter((e) => e.ev === "code");
    const created = events.filter((e) => e.ev === "created");

    // Every acknowledged CreateUser: its user, with that external id, and its device.
    const found = await query<{ device_id: string; user_id: string; external_user_id: string }>(
      dbUrl,
      `select d.id as device_id, u.id as user_id, u.external_user_id
         from devices d join users u on u.id = d.user_id where d.id = any($1::uuid[])`,
      [created.map((c) => c.deviceId)],
    );
    const byDevice = new Map(found.map((row) => [row.device_id, row]));
    const lostCreations = created.filter((c) => {
      const row = byDevice.get(c.deviceId);
      return row === undefined || row.user_id !== c.userId || row.external_user_id !== c.externalUserId;
    });
    // One external id, one user, through every fault (rule 3).
    const usersOf = new Map<string, Set<string>>();
    for (const c of created)
      usersOf.set(c.externalUserId, (usersOf.get(c.externalUserId) ?? new Set()).add(c.userId));
    const splitIds = [...usersOf.values()].filter((users) => users.size > 1).length;

    // Every acknowledged code: it registered a device, or it can still be redeemed (with
    // its request_id, as the SDK's retry would) — the app's codes live 600 s.
    const redeemedCodes = new Set(created.map((c) => c.code));
    const open = codes.filter((c) => !redeemedCodes.has(c.code));
    const registered = new Set(
      (
        await query<{ registration_code_hash: string }>(
          dbUrl,
          "select registration_code_hash from devices where registration_code_hash = any($1::text[])",
          [open.map((c) => sha256(c.code))],
        )
      ).map((row) => row.registration_code_hash),
    );
    const channel = createChannel(b.grpcAddress);
    channels.push(channel);
    const device = createClientFactory()
      .use(errorDetailsClientMiddleware)
      .create(DeviceServiceDefinition, channel);
    const lateOutcomes: Record<string, number> = {};
    const lostCodes: string[] = [];
    for (const c of open) {
      if (registered.has(sha256(c.code))) continue;
      const outcome = await device
        .createUser({ ...phone(), requestId: c.requestId, authenticationCode: c.code })
        .then(() => "OK", outcomeOf);
      lateOutcomes[outcome] = (lateOutcomes[outcome] ?? 0) + 1;
      if (outcome !== "OK") lostCodes.push(outcome);
    }

    const violations = await checkInvariants(dbUrl);
    // Secrets the load saw, looked for in both servers' logs (rule 15).
    const logs = (await a.output()) + (await b.output());
    const secrets = [
      apiKey.split(".")[1]!,
      adminToken,
      ...codes.map((c) => c.code),
      ...created.flatMap((c) => [c.accessToken, c.refreshToken]),
    ];
    const leaked = secrets.filter((secret) => logs.includes(secret)).length;

    report("fault: whole run, acknowledged work found afterwards", {
      calls: calls.length,
      acknowledged: tally.OK ?? 0,
      codes_acknowledged: codes.length,
      creations_acknowledged: created.length,
      creations_found: created.length - lostCreations.length,
      codes_open_at_end: open.length,
      codes_open_registered: [...registered].length,
      codes_open_redeemed_after: lateOutcomes.OK ?? 0,
      lost: lostCreations.length + lostCodes.length,
      external_ids_split: splitIds,
      invariant_violations: violationCount(violations),
      internal: internalCount(tally),
      secrets_checked_in_logs: secrets.length,
      secrets_in_logs: leaked,
      outcomes: compact(tally),
    });
    expect(lostCreations).toEqual([]);
    expect(lostCodes).toEqual([]);
    expect(splitIds).toBe(0);
    expect(violations).toEqual([]);
    expect(internalCount(tally)).toBe(0);
    expect(leaked).toBe(0);
    expect(created.length).toBeGreaterThan(50);
  });
});
