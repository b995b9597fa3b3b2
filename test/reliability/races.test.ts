import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceState } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, linkDevice, phone, tablet } from "../support/flow.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { checkInvariants, query, violationCount } from "./support/invariants.js";
import { compact, internalCount, outcomeOf, settleAll } from "./support/outcomes.js";
import { byProfile, report } from "./support/report.js";

// Races need many calls at once: the limits of rule 14 would answer some of them.
const NO_LIMITS = { USERLINK_RATE_KEY_MAX: "0", USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0" };

describe("races on real Postgres and Redis, two instances", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let a: TestInstance;
  let b: TestInstance;
  let apiKey: string;
  /** The instances taken in turn, so concurrent calls meet in the database, not in one process. */
  const either = (i: number) => (i % 2 === 0 ? a : b);

  beforeAll(async () => {
    storage = await createStorage("real");
    a = await startInstance(storage, NO_LIMITS);
    b = await startInstance(storage, NO_LIMITS);
    ({ apiKey } = await createAppWithKey(a));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await storage?.destroy();
  });

  async function invariantsHold(): Promise<number> {
    const violations = await checkInvariants(storage.databaseUrl!);
    expect(violations).toEqual([]);
    return violationCount(violations);
  }

  it("redeems one code once, of 200 concurrent redemptions", async () => {
    const n = 200;
    const { authenticationCode } = await a.link(apiKey).requestAuthCode({ externalUserId: randomUUID() });
    const started = performance.now();
    const { values, outcomes } = await settleAll(
      Array.from({ length: n }, (_, i) =>
        either(i)
          .device()
          .createUser({ ...phone(), authenticationCode }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const registered = await query<{ n: number }>(
      storage.databaseUrl!,
      "select count(*)::int as n from devices where user_id = $1",
      [values[0]?.userId],
    );
    report("race: one code, concurrent redemptions", {
      redemptions: n,
      successes: values.length,
      devices_registered: registered[0]!.n,
      outcomes: compact(outcomes),
      internal: internalCount(outcomes),
      invariant_violations: await invariantsHold(),
      seconds: Math.round(seconds * 10) / 10,
    });
    expect(values).toHaveLength(1);
    expect(outcomes).toEqual({ OK: 1, "UNAUTHENTICATED/AUTH_CODE_ALREADY_USED": n - 1 });
    expect(registered[0]!.n).toBe(1);
  });

  it("resolves concurrent codes for one new external id to one user, created once", async () => {
    const n = byProfile(300, 1000);
    const externalUserId = `race-${randomUUID()}`;
    const started = performance.now();
    const requested = await settleAll(
      Array.from({ length: n }, (_, i) => either(i).link(apiKey).requestAuthCode({ externalUserId })),
    );
    expect(requested.outcomes).toEqual({ OK: n });
    // Every third device a tablet: phones replace each other, tablets wait behind a phone.
    const requests = requested.values.map((code, i) => ({
      ...(i % 3 === 2 ? tablet() : phone()),
      authenticationCode: code.authenticationCode,
    }));
    const first = await settleAll(
      requests.map((request, i) =>
        either(i + 1)
          .device()
          .createUser(request),
      ),
    );
    // All of them queue on one user's row: past the pool's wait, some are told UNAVAILABLE
    // (retryable), and the SDK retries with the same request_id, as here, until all are in.
    const answers = new Map(first.results.map((result, i) => [i, result]));
    let rounds = 1;
    for (; rounds < 20; rounds++) {
      const pending = [...answers].filter(
        ([, r]) => r.status === "rejected" && RETRYABLE.test(outcomeOf(r.reason)),
      );
      if (pending.length === 0) break;
      const retried = await Promise.allSettled(
        pending.map(([i]) => either(i).device().createUser(requests[i]!)),
      );
      pending.forEach(([i], k) => answers.set(i, retried[k]!));
    }
    const redeemed = {
      values: [...answers.values()].flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
      outcomes: tallyOf([...answers.values()]),
    };
    const seconds = (performance.now() - started) / 1000;
    const userIds = new Set(redeemed.values.map((r) => r.userId));
    const created = redeemed.values.filter((r) => !r.restored).length;
    const [user] = await query<{ users: number; active: number; inactive: number; devices: number }>(
      storage.databaseUrl!,
      `select (select count(*)::int from users where external_user_id = $1) as users,
              count(*) filter (where d.state = 'ACTIVE')::int as active,
              count(*) filter (where d.state = 'INACTIVE')::int as inactive,
              count(*)::int as devices
         from devices d join users u on u.id = d.user_id where u.external_user_id = $1`,
      [externalUserId],
    );
    report("race: codes for one new external id, all redeemed", {
      codes: n,
      redeemed: redeemed.values.length,
      users: user!.users,
      restored_false: created,
      active_devices: user!.active,
      inactive_devices: user!.inactive,
      devices: user!.devices,
      first_round: compact(first.outcomes),
      rounds,
      outcomes: compact(redeemed.outcomes),
      internal: internalCount(first.outcomes) + internalCount(redeemed.outcomes),
      invariant_violations: await invariantsHold(),
      seconds: Math.round(seconds * 10) / 10,
    });
    expect(internalCount(first.outcomes)).toBe(0);
    expect(redeemed.outcomes).toEqual({ OK: n });
    expect(userIds.size).toBe(1);
    expect(created).toBe(1);
    expect(user).toMatchObject({ users: 1, active: 1, devices: n });
    expect(user!.inactive).toBeLessThanOrEqual(1);
  });

  it("leaves one ACTIVE device (a phone) after 50 concurrent restorations on phones and tablets", async () => {
    const n = 50;
    const externalUserId = `restore-${randomUUID()}`;
    const first = await linkDevice(a, apiKey, externalUserId, "tablet");
    const codes = await Promise.all(
      Array.from({ length: n }, (_, i) => either(i).link(apiKey).requestAuthCode({ externalUserId })),
    );
    const kinds = codes.map((_, i) => (i % 2 === 0 ? "phone" : "tablet"));
    const started = performance.now();
    const { values, outcomes } = await settleAll(
      codes.map((code, i) =>
        either(i + 1)
          .device()
          .createUser({
            ...(kinds[i] === "phone" ? phone() : tablet()),
            authenticationCode: code.authenticationCode,
          }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const live = await query<{ id: string; state: string; device_type: string }>(
      storage.databaseUrl!,
      "select id, state, device_type from devices where user_id = $1 and state in ('ACTIVE', 'INACTIVE')",
      [first.userId],
    );
    const active = live.filter((d) => d.state === "ACTIVE");
    const inactive = live.filter((d) => d.state === "INACTIVE");
    report("race: concurrent restorations of one user", {
      restorations: n,
      successes: values.length,
      same_user: values.every((v) => v.userId === first.userId),
      active: active.length,
      inactive: inactive.length,
      active_type: active[0]?.device_type ?? "none",
      answered_active: values.filter((v) => v.deviceState === DeviceState.DEVICE_STATE_ACTIVE).length,
      internal: internalCount(outcomes),
      invariant_violations: await invariantsHold(),
      seconds: Math.round(seconds * 10) / 10,
    });
    expect(outcomes).toEqual({ OK: n });
    expect(values.every((v) => v.userId === first.userId && v.restored)).toBe(true);
    expect(active).toHaveLength(1);
    expect(inactive.length).toBeLessThanOrEqual(1);
    // A phone took part, so a phone holds the user.
    expect(active[0]!.device_type).toBe("PHONE");
    if (inactive[0]) expect(inactive[0].device_type).toBe("TABLET");
    // Whatever each call answered, the one left ACTIVE answered ACTIVE when it arrived.
    const winner = values.find((v) => v.deviceId === active[0]!.id)!;
    expect(winner.deviceState).toBe(DeviceState.DEVICE_STATE_ACTIVE);
  });

  it("lets one of concurrent refreshes with one refresh token win", async () => {
    const n = byProfile(20, 100);
    const created = await linkDevice(a, apiKey, `refresh-${randomUUID()}`);
    const refreshToken = created.credentials!.refreshToken;
    const { values, outcomes } = await settleAll(
      Array.from({ length: n }, (_, i) => either(i).device().refreshCredentials({ refreshToken })),
    );
    const [device] = await query<{ state: string; state_reason: string }>(
      storage.databaseUrl!,
      "select state, state_reason from devices where id = $1",
      [created.deviceId],
    );
    report("race: concurrent refreshes of one credential", {
      refreshes: n,
      successes: values.length,
      outcomes: compact(outcomes),
      device_after: `${device!.state}/${device!.state_reason}`,
      internal: internalCount(outcomes),
      invariant_violations: await invariantsHold(),
    });
    expect(values).toHaveLength(1);
    expect(outcomes).toEqual({ OK: 1, "UNAUTHENTICATED/CREDENTIALS_REUSED": n - 1 });
    // Concurrent use of one refresh token looks like theft: the device is deactivated.
    expect(device).toEqual({ state: "DEACTIVATED", state_reason: "CREDENTIALS_REUSED" });
  });

  it("keeps a user consistent, or gone with every row, when deletes race restorations", async () => {
    const rounds = byProfile(15, 60);
    const perRound = 10;
    const tally: Record<string, number> = {};
    let gone = 0;
    let kept = 0;
    for (let round = 0; round < rounds; round++) {
      const externalUserId = `delete-race-${randomUUID()}`;
      await linkDevice(a, apiKey, externalUserId);
      const codes = await Promise.all(
        Array.from({ length: perRound }, () => a.link(apiKey).requestAuthCode({ externalUserId })),
      );
      const restorations = codes.map((code, i) =>
        either(i)
          .device()
          .createUser({ ...(i % 2 ? tablet() : phone()), authenticationCode: code.authenticationCode }),
      );
      // The delete lands somewhere among the restorations, on either instance.
      const deletion = new Promise((resolve) => setTimeout(resolve, round % 4)).then(() =>
        either(round)
          .link(apiKey)
          .deleteUser({ user: { $case: "externalUserId", value: externalUserId } }),
      );
      const settled = await settleAll<unknown>([...restorations, deletion]);
      for (const [name, count] of Object.entries(settled.outcomes)) tally[name] = (tally[name] ?? 0) + count;
      const rows = await query<{ users: number; devices: number; active: number }>(
        storage.databaseUrl!,
        `select count(distinct u.id)::int as users, count(d.id)::int as devices,
                count(d.id) filter (where d.state = 'ACTIVE')::int as active
           from users u left join devices d on d.user_id = u.id
          where u.external_user_id = $1`,
        [externalUserId],
      );
      if (rows[0]!.users === 0) gone++;
      else {
        kept++;
        // Had a restoration outlived the delete, the user must be whole: one of it, one ACTIVE device.
        expect(rows[0]!.users).toBe(1);
        expect(rows[0]!.active).toBe(1);
      }
    }
    report("race: delete against restorations", {
      rounds,
      calls: rounds * (perRound + 1),
      users_gone: gone,
      users_relinked: kept,
      outcomes: compact(tally),
      internal: internalCount(tally),
      invariant_violations: await invariantsHold(),
    });
    expect(internalCount(tally)).toBe(0);
    expect(Object.keys(tally).filter((name) => !ALLOWED_IN_DELETE_RACE.has(name))).toEqual([]);
  });
});

/** Answers a client retries with the same request. */
const RETRYABLE = /^(UNAVAILABLE|ABORTED|DEADLINE_EXCEEDED)\//;

function tallyOf(results: readonly PromiseSettledResult<unknown>[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const r of results) {
    const name = r.status === "fulfilled" ? "OK" : outcomeOf(r.reason);
    tally[name] = (tally[name] ?? 0) + 1;
  }
  return tally;
}

/** What a restoration or the delete may answer when they race. */
const ALLOWED_IN_DELETE_RACE = new Set([
  "OK",
  // A code issued before the delete dies with the user (rule 8).
  "UNAUTHENTICATED/AUTH_CODE_INVALID",
]);
