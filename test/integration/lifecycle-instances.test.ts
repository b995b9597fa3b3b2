import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { keyRefusedOn, timeUntilSeen } from "../support/cache-change.js";
import { createAppWithKey, expectGrpcError, linkDevice, phone, tablet } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import { connectTestRedis } from "../support/redis.js";
import { StreamRecorder } from "../support/stream.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

/** Two instances on one Postgres and one Redis, as behind a load balancer. */
describe("device lifecycle across two instances (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let a: TestInstance;
  let b: TestInstance;
  let apiKey: string;
  let appId: string;

  beforeAll(async () => {
    storage = await createStorage("real");
    // Started together: both migrate the same empty database at once.
    [a, b] = await Promise.all([startInstance(storage), startInstance(storage)]);
    ({ apiKey, appId } = await createAppWithKey(a));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await storage?.destroy();
  });

  it("tells a stream on A about a restoration through B within a second", async () => {
    const first = await linkDevice(a, apiKey, "cross-instance");
    const stream = new StreamRecorder(a.device(first.credentials!.accessToken).watchDeviceStatus({}));
    await stream.nth(1);
    const started = performance.now();
    const second = await linkDevice(b, apiKey, "cross-instance");
    const event = await stream.nth(2, 1_000);
    const latencyMs = stream.messages[1]!.at - started;
    console.log(
      `restoration through B reached the stream on A ${latencyMs.toFixed(1)} ms after the call began`,
    );
    expect(event).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
    });
    expect(latencyMs).toBeLessThan(1_000);
    await stream.end();

    // The replaced device's tokens are refused on both instances; the new one's work on both.
    for (const instance of [a, b]) {
      await expectGrpcError(instance.device(first.credentials!.accessToken).getDeviceStatus({}), {
        code: Status.UNAUTHENTICATED,
        reason: "DEVICE_DEACTIVATED",
        metadata: { state_reason: "STATE_REASON_REPLACED_BY_NEWER_DEVICE" },
      });
      await expectGrpcError(
        instance.device().refreshCredentials({ refreshToken: first.credentials!.refreshToken }),
        { code: Status.UNAUTHENTICATED, reason: "DEVICE_DEACTIVATED" },
      );
      expect((await instance.device(second.credentials!.accessToken).getDeviceStatus({})).deviceId).toBe(
        second.deviceId,
      );
    }
  });

  it("ends streams on one instance when the user is deleted or disabled through the other", async () => {
    const deleted = await linkDevice(a, apiKey, "deleted via B");
    const disabled = await linkDevice(b, apiKey, "disabled via A");
    const deletedStream = new StreamRecorder(
      a.device(deleted.credentials!.accessToken).watchDeviceStatus({}),
    );
    const disabledStream = new StreamRecorder(
      b.device(disabled.credentials!.accessToken).watchDeviceStatus({}),
    );
    await Promise.all([deletedStream.nth(1), disabledStream.nth(1)]);

    await b.link(apiKey).deleteUser({ user: { $case: "userId", value: deleted.userId } });
    await a.admin.setUserDisabled({ appId, userId: disabled.userId, disabled: true });
    expect(await deletedStream.nth(2, 1_000)).toMatchObject({
      stateReason: StateReason.STATE_REASON_USER_DELETED,
    });
    expect(await disabledStream.nth(2, 1_000)).toMatchObject({
      stateReason: StateReason.STATE_REASON_USER_DISABLED,
    });
    await Promise.all([deletedStream.end(), disabledStream.end()]);
  });

  it("refreshes on one instance and detects the reuse on the other", async () => {
    const created = await linkDevice(a, apiKey, "refresh across");
    const fresh = await a.device().refreshCredentials({ refreshToken: created.credentials!.refreshToken });
    await expectGrpcError(
      b.device().refreshCredentials({ refreshToken: created.credentials!.refreshToken }),
      {
        code: Status.UNAUTHENTICATED,
        reason: "CREDENTIALS_REUSED",
      },
    );
    for (const instance of [a, b]) {
      await expectGrpcError(instance.device(fresh.credentials!.accessToken).getDeviceStatus({}), {
        code: Status.UNAUTHENTICATED,
        reason: "DEVICE_DEACTIVATED",
        metadata: { state_reason: "STATE_REASON_CREDENTIALS_REUSED" },
      });
    }
  });

  it("leaves exactly one active device after 10 concurrent restorations on 10 devices", async () => {
    await linkDevice(a, apiKey, "ten devices");
    const codes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).link(apiKey).requestAuthCode({ externalUserId: "ten devices" }),
      ),
    );
    const results = await Promise.all(
      codes.map((c, i) =>
        (i % 2 ? b : a)
          .device()
          .createUser({ ...(i < 5 ? phone() : tablet()), authenticationCode: c.authenticationCode }),
      ),
    );
    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
    const rows = await queryDb<{ state: string; device_type: string; n: string }>(
      storage,
      `select state, device_type, count(*) as n from devices where user_id = $1 and state in ('ACTIVE', 'INACTIVE')
        group by state, device_type`,
      [results[0]!.userId],
    );
    const active = rows.filter((r) => r.state === "ACTIVE");
    expect(active).toEqual([{ state: "ACTIVE", device_type: "PHONE", n: "1" }]);
    expect(
      rows.filter((r) => r.state === "INACTIVE").reduce((n, r) => n + Number(r.n), 0),
    ).toBeLessThanOrEqual(1);
  });

  it("answers the retry of rule 1 on the other instance with the same ids", async () => {
    const { authenticationCode } = await a.link(apiKey).requestAuthCode({ externalUserId: "retry across" });
    const request = { ...phone({ requestId: randomUUID() }), authenticationCode };
    const first = await a.device().createUser(request);
    const retry = await b.device().createUser(request);
    expect(retry).toMatchObject({ userId: first.userId, deviceId: first.deviceId });
    expect(retry.credentials!.accessToken).not.toBe(first.credentials!.accessToken);
  });

  it("refuses a key revoked through one instance on both: at once on it, on the other as soon as it hears", async () => {
    const created = await a.admin.createApiKey({ appId, name: "short", scopes: [1] });
    await b.link(created.apiKey).requestAuthCode({ externalUserId: "x" });
    await a.admin.revokeApiKey({ keyId: created.key!.keyId });
    const revoked = performance.now();
    await expectGrpcError(a.link(created.apiKey).requestAuthCode({ externalUserId: "x" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_REVOKED",
    });
    // B cached the key; it drops it when A's message arrives (the cache's own test bounds it).
    await timeUntilSeen(keyRefusedOn(b, created.apiKey, "API_KEY_REVOKED"), {
      since: revoked,
      withinMs: 1_000,
    });
  });

  it("brings a stream up to date from the database after its instance missed events", async () => {
    // C publishes on a channel of its own, so A never hears of what C does.
    const c = await startInstance(storage, { USERLINK_REDIS_KEY_PREFIX: `${storage.redisKeyPrefix}other:` });
    try {
      const first = await linkDevice(a, apiKey, "missed event");
      const stream = new StreamRecorder(a.device(first.credentials!.accessToken).watchDeviceStatus({}));
      await stream.nth(1);
      await linkDevice(c, apiKey, "missed event");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.messages).toHaveLength(1);

      // Drop A's subscription connection, as a Redis restart would.
      const redis = await connectTestRedis();
      try {
        const clients = String(await redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
        const name = `userlink-events:${storage.redisKeyPrefix}`;
        const ids = clients
          .split("\n")
          .filter((line) => line.includes(` name=${name} `))
          .map((line) => /\bid=(\d+)/.exec(line)![1]!);
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) await redis.client("KILL", "ID", id);
      } finally {
        await redis.quit();
      }
      expect(await stream.nth(2, 3_000)).toMatchObject({
        deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
        stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
      });
      await stream.end();
    } finally {
      await c.stop();
    }
  });
});
