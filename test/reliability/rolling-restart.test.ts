import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyScope, createAdminClient } from "../../clients/node/src/index.js";
import { freePort } from "../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { testRedisUrl, uniquePrefix } from "../support/redis.js";
import { ensureBuilt } from "./support/built-artifact.js";
import { Fleet, type Replacement } from "./support/fleet.js";
import { checkInvariants, query, violationCount } from "./support/invariants.js";
import { startNginx, type RunningNginx } from "./support/nginx.js";
import { byProfile, report } from "./support/report.js";
import { startRollingLoad, type RollingEvent, type RunningRollingLoad } from "./support/rolling-load.js";
import { sleep, waitFor } from "./support/wait.js";

const INSTANCES = 3;
const ROUNDS = byProfile(1, 3);
/** Between two rolling steps: the load runs on the whole fleet again. */
const PAUSE_MS = byProfile(1_000, 5_000);
/** Until the load runs with every stream open (the full profile makes 300 devices first). */
const WARM_MS = byProfile(60_000, 180_000);

describe("rolling restart of three built instances behind nginx, under load (real)", () => {
  let dir: string;
  let db: TestDatabase;
  let fleet: Fleet;
  let nginx: RunningNginx;
  let load: RunningRollingLoad | null = null;
  const streams = byProfile(30, 300);
  const adminToken = `reliability-admin-${randomBytes(24).toString("base64url")}`;

  beforeAll(async () => {
    // The instances run the build, as the image does: build it first if it is stale.
    ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "userlink-rolling-"));
    db = await createTestDatabase();
    fleet = await Fleet.start(
      INSTANCES,
      {
        DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        USERLINK_REDIS_KEY_PREFIX: uniquePrefix(),
        USERLINK_ADMIN_TOKEN: adminToken,
        USERLINK_DATA_DIR: dir,
        USERLINK_SHUTDOWN_GRACE_SECONDS: "5",
        USERLINK_RATE_KEY_MAX: "0",
        USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0",
      },
      dir,
    );
    nginx = await startNginx({
      dir: join(dir, "nginx"),
      grpcPort: await freePort(),
      webPort: await freePort(),
      grpcUpstreams: fleet.slots.map((s) => `127.0.0.1:${s.grpcPort}`),
      webUpstreams: fleet.slots.map((s) => `127.0.0.1:${s.webPort}`),
    });
    const admin = createAdminClient({ address: nginx.grpcAddress, adminToken });
    const { app } = await admin.createApp({ displayName: "rolling restart" });
    const { apiKey } = await admin.createApiKey({
      appId: app!.appId,
      name: "load",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK],
    });
    admin.close();
    load = startRollingLoad({
      grpcAddress: nginx.grpcAddress,
      webUrl: nginx.webUrl,
      apiKey,
      outFile: join(dir, "load.jsonl"),
      concurrency: byProfile(4, 8),
      webConcurrency: byProfile(1, 2),
      streams,
      sharedIds: 20,
    });
    const warm = await waitFor(
      () =>
        load!.events().some((e) => e.ev === "streams-ready") &&
        load!.events().filter((e) => e.ev === "created").length >= 10,
      WARM_MS,
    );
    if (!warm) throw new Error("the load never got going through nginx");
  }, WARM_MS + 60_000);

  afterAll(async () => {
    await load?.stop();
    await fleet?.stop();
    await nginx?.stop();
    await db?.drop();
    // RELIABILITY_KEEP=1 keeps the instances' logs, nginx's and the load's events.
    if (dir && process.env.RELIABILITY_KEEP !== "1") await rm(dir, { recursive: true, force: true });
    else if (dir) console.log(`kept ${dir}`);
  });

  it("loses no call, no acknowledged write, and every stream comes back", async () => {
    const started = Date.now();
    const steps: Replacement[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const slot of fleet.slots) {
        steps.push(await fleet.replace(slot));
        await sleep(PAUSE_MS);
      }
    }
    const rolledMs = Date.now() - started;
    // Every stream is open again (its last word is an opening), then the load stops.
    const lastOfEach = (events: RollingEvent[]) => {
      const last = new Map<number, string>();
      for (const e of events) if (e.ev === "stream-open" || e.ev === "stream-end") last.set(e.stream, e.ev);
      return last;
    };
    await waitFor(() => [...lastOfEach(load!.events()).values()].every((ev) => ev === "stream-open"), 30_000);
    const events = await load!.stop();
    load = null;

    const calls = events.filter((e): e is Extract<RollingEvent, { ev: "call" }> => e.ev === "call");
    // A restoration of the same shared external id by another loop may replace the new
    // device before its own GetDeviceStatus: the contract's answer, not a failure.
    const replaced = (c: { method: string; outcome: string }) =>
      c.method === "GetDeviceStatus" && c.outcome === "UNAUTHENTICATED/DEVICE_DEACTIVATED";
    const failed = calls.filter((c) => c.outcome !== "OK" && !replaced(c));
    const internal = calls.filter((c) => /^(INTERNAL|UNKNOWN|THREW)\//.test(c.outcome));
    const ends = events.filter(
      (e): e is Extract<RollingEvent, { ev: "stream-end" }> => e.ev === "stream-end",
    );
    const reconnects = events.filter((e) => e.ev === "stream-open" && e.reopened);
    const created = events.filter((e): e is Extract<RollingEvent, { ev: "created" }> => e.ev === "created");
    const userIds = [...new Set(created.map((c) => c.userId))];
    const deviceIds = [...new Set(created.map((c) => c.deviceId))];
    const [found] = await query<{ users: number; devices: number }>(
      db.url,
      `select (select count(*)::int from users where id::text = any($1::text[])) as users,
              (select count(*)::int from devices where id::text = any($2::text[])) as devices`,
      [userIds, deviceIds],
    );
    const violations = await checkInvariants(db.url);
    const outcomes: Record<string, number> = {};
    for (const c of failed)
      outcomes[`${c.method} ${c.outcome}`] = (outcomes[`${c.method} ${c.outcome}`] ?? 0) + 1;
    const last = lastOfEach(events);

    report("rolling restart behind nginx", {
      instances: INSTANCES,
      replacements: steps.length,
      rolled_seconds: Math.round(rolledMs / 100) / 10,
      calls: calls.length,
      calls_grpc_web: calls.filter((c) => c.method.startsWith("web ")).length,
      calls_retried: calls.filter((c) => c.retries > 0).length,
      retries: calls.reduce((sum, c) => sum + c.retries, 0),
      replaced_before_read: calls.filter(replaced).length,
      failed_after_retries: failed.length,
      failed_outcomes: Object.entries(outcomes)
        .map(([k, n]) => `${k}:${n}`)
        .join(","),
      internal: internal.length,
      streams: streams,
      streams_ended_unavailable: ends.filter((e) => e.outcome.startsWith("UNAVAILABLE/")).length,
      streams_ended_otherwise: ends.filter((e) => !e.outcome.startsWith("UNAVAILABLE/")).length,
      streams_reconnected: reconnects.length,
      streams_open_at_end: [...last.values()].filter((ev) => ev === "stream-open").length,
      acknowledged_users: userIds.length,
      acknowledged_devices: deviceIds.length,
      users_found: found!.users,
      devices_found: found!.devices,
      not_ready_ms_max: Math.max(...steps.map((s) => s.notReadyMs)),
      drained_exit_ms_max: Math.max(...steps.map((s) => s.exitedMs)),
      ready_again_ms_max: Math.max(...steps.map((s) => s.readyAgainMs)),
      exit_codes: [...new Set(steps.map((s) => s.exitCode))].join(","),
      invariant_violations: violationCount(violations),
    });

    expect(internal).toEqual([]);
    expect(failed).toEqual([]);
    // The roll did reach the load: streams were cut and came back, calls were retried.
    expect(ends.length).toBeGreaterThan(0);
    expect(ends.filter((e) => !e.outcome.startsWith("UNAVAILABLE/"))).toEqual([]);
    expect(reconnects.length).toBeGreaterThanOrEqual(ends.length > 0 ? 1 : 0);
    expect([...last.values()].filter((ev) => ev === "stream-open")).toHaveLength(streams);
    expect(calls.filter((c) => c.method.startsWith("web ") && c.outcome === "OK").length).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    expect(found).toEqual({ users: userIds.length, devices: deviceIds.length });
    expect(steps.every((s) => s.exitCode === 0)).toBe(true);
    expect(violations).toEqual([]);
  });
});
