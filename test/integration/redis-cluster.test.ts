import { Status } from "nice-grpc";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedisClient } from "../../src/adapters/redis/redis-client.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, phone } from "../support/flow.js";
import { connectTestRedis, keysWithPrefix } from "../support/redis.js";
import {
  clusterKeysWithPrefix,
  connectTestCluster,
  startTestRedisCluster,
  type TestRedisCluster,
} from "../support/redis-cluster.js";
import { StreamRecorder } from "../support/stream.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

/** Two instances on one Postgres and a three-node Redis Cluster, as configured in production. */
describe("the link flow on a Redis Cluster (real Postgres)", () => {
  let cluster: TestRedisCluster;
  let storage: Storage & { destroy(): Promise<void> };
  let a: TestInstance;
  let b: TestInstance;
  let inspect: Cluster;
  let standalone: Redis;

  beforeAll(async () => {
    [cluster, storage] = await Promise.all([startTestRedisCluster(), createStorage("real")]);
    const env = { REDIS_URL: cluster.redisUrl, USERLINK_REDIS_CLUSTER: "true" };
    a = await startInstance(storage, env);
    b = await startInstance(storage, env);
    inspect = await connectTestCluster(cluster);
    standalone = await connectTestRedis();
  });
  afterAll(async () => {
    // Each step on its own: one failing must not leave the cluster's processes running.
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await Promise.allSettled([
      inspect && closeRedisClient(inspect),
      standalone && closeRedisClient(standalone),
      storage?.destroy(),
    ]);
    await cluster?.stop();
  });

  it("creates, restores on a second phone, tells the first phone's stream and refuses a reused code", async () => {
    const { apiKey } = await createAppWithKey(a);
    const link = a.link(apiKey);

    const firstCode = await link.requestAuthCode({ externalUserId: "cluster-customer" });
    expect(firstCode.existingUser).toBe(false);
    const first = await a
      .device()
      .createUser({ ...phone(), authenticationCode: firstCode.authenticationCode });
    expect(first).toMatchObject({ restored: false, deviceState: DeviceState.DEVICE_STATE_ACTIVE });

    const stream = new StreamRecorder(a.device(first.credentials!.accessToken).watchDeviceStatus({}));
    expect(await stream.nth(1)).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_ACTIVE });

    // The code is asked for on A and redeemed on B: it lives in the cluster.
    const secondCode = await link.requestAuthCode({ externalUserId: "cluster-customer" });
    expect(secondCode).toMatchObject({ existingUser: true, userId: first.userId });
    const second = await b
      .device()
      .createUser({ ...phone(), authenticationCode: secondCode.authenticationCode });
    expect(second).toMatchObject({ userId: first.userId, restored: true });
    expect(second.deviceId).not.toBe(first.deviceId);

    // Published by B on one node, delivered to A's subscription on whichever node it holds.
    expect(await stream.nth(2, 1_000)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
    });
    await stream.end();
    expect(stream.error).toBeUndefined();

    for (const instance of [a, b]) {
      await expectGrpcError(
        instance.device().createUser({ ...phone(), authenticationCode: secondCode.authenticationCode }),
        { code: Status.UNAUTHENTICATED, reason: "AUTH_CODE_ALREADY_USED" },
      );
    }

    // The codes went to the cluster, not to the standalone Redis beside it.
    const prefix = storage.redisKeyPrefix;
    expect((await clusterKeysWithPrefix(inspect, `${prefix}code:`)).length).toBe(2);
    expect(await keysWithPrefix(standalone, prefix)).toEqual([]);
  });
});

describe("Redis Cluster configuration", () => {
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it("takes REDIS_URL as comma-separated seed nodes with USERLINK_REDIS_CLUSTER=true", () => {
    const config = loadConfig({
      REDIS_URL: "redis://:pw@10.0.0.1:7000, redis://:pw@10.0.0.2:7000",
      USERLINK_REDIS_CLUSTER: "true",
    });
    expect(config.redisCluster).toBe(true);
    expect(config.redisClusterNodes).toEqual(["redis://:pw@10.0.0.1:7000", "redis://:pw@10.0.0.2:7000"]);
    expect(loadConfig({ REDIS_URL: "redis://10.0.0.1:6379" })).toMatchObject({
      redisCluster: false,
      redisClusterNodes: [],
    });
  });

  it("reports every cluster problem at once, without the URLs' secrets", () => {
    expect(problems({ REDIS_URL: "redis://a:1,redis://b:2" })).toEqual([
      "REDIS_URL: several URLs (cluster seed nodes) need USERLINK_REDIS_CLUSTER=true",
    ]);
    expect(problems({ USERLINK_REDIS_CLUSTER: "true" })).toEqual([
      "USERLINK_REDIS_CLUSTER: needs REDIS_URL (one or more seed nodes of the cluster)",
    ]);
    const found = problems({
      REDIS_URL: "redis://:s3cret@a:1,rediss://:s3cret@b:2,http://c,redis://d/3",
      USERLINK_REDIS_CLUSTER: "true",
      USERLINK_REDIS_KEY_PREFIX: "{userlink}:",
    });
    expect(found).toEqual([
      "REDIS_URL: seed 3 must be a redis:// or rediss:// URL with a host",
      "REDIS_URL: seed 4: a Redis Cluster has database 0 only",
      "REDIS_URL: every seed node needs the same scheme (TLS or not) and credentials",
      "USERLINK_REDIS_KEY_PREFIX: must not contain { or } on a Redis Cluster (hash tags decide slots)",
    ]);
    expect(found.join("\n")).not.toContain("s3cret");
  });
});
