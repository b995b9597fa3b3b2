import { randomBytes } from "node:crypto";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisAuthCodeStore } from "../../src/adapters/redis/redis-auth-code-store.js";
import { closeRedisClient, createRedisClusterClient } from "../../src/adapters/redis/redis-client.js";
import { AppError } from "../../src/domain/errors.js";
import { systemClock } from "../../src/ports/clock.js";
import { uniquePrefix } from "../support/redis.js";
import {
  clusterKeysWithPrefix,
  connectTestCluster,
  deleteClusterKeysWithPrefix,
  startTestRedisCluster,
  type TestRedisCluster,
} from "../support/redis-cluster.js";
import { describeAuthCodeStoreContract } from "./auth-code-store.contract.js";

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startTestRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describeAuthCodeStoreContract("redis cluster", async (clock) => {
  const prefix = uniquePrefix();
  const redis = await connectTestCluster(cluster);
  const store = new RedisAuthCodeStore(redis, { keyPrefix: prefix, clock });
  return {
    store,
    cleanup: async () => {
      await deleteClusterKeysWithPrefix(redis, prefix);
      await store.close();
    },
  };
});

describe("RedisAuthCodeStore keys on a Redis Cluster", () => {
  const prefix = uniquePrefix();
  let redis: Cluster;
  let store: RedisAuthCodeStore;

  beforeAll(async () => {
    redis = await connectTestCluster(cluster);
    store = new RedisAuthCodeStore(redis, { keyPrefix: prefix, clock: systemClock });
  });
  afterAll(async () => {
    await deleteClusterKeysWithPrefix(redis, prefix);
    await store.close();
  });

  it("puts each code in the slot of its hash tag, spread over every primary", async () => {
    const now = new Date();
    const hashes = Array.from({ length: 30 }, () => randomBytes(32).toString("hex"));
    for (const hash of hashes) {
      await store.save(hash, {
        appId: "app-1",
        externalUserId: "ext",
        userId: null,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 60_000),
      });
    }
    const key = (hash: string) => `${prefix}code:{${hash}}`;
    for (const hash of hashes.slice(0, 5)) {
      expect(await redis.cluster("KEYSLOT", key(hash))).toBe(await redis.cluster("KEYSLOT", hash));
    }
    const perNode = await Promise.all(
      redis.nodes("master").map(async (node) => (await node.keys(`${prefix}code:*`)).length),
    );
    expect(perNode).toHaveLength(3);
    expect(perNode.every((n) => n > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(30);
    // Every code is still consumable through the cluster client, wherever it landed.
    const results = await Promise.all(hashes.map((hash) => store.consume(hash, "req-1")));
    expect(results.every((r) => r.kind === "consumed")).toBe(true);
  });

  it("keeps revocation marks under the app's hash tag, without the external id", async () => {
    const at = new Date();
    await store.revokeIssuedUpTo("app-9", "alice@example.com", at, 60_000);
    const keys = await clusterKeysWithPrefix(redis, `${prefix}revoked:`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}revoked:\\{app-9\\}:[0-9a-f]{64}$`));
    expect(await redis.cluster("KEYSLOT", keys[0]!)).toBe(await redis.cluster("KEYSLOT", "app-9"));
    expect(await store.isRevoked("app-9", "alice@example.com", at)).toBe(true);
  });
});

describe("RedisAuthCodeStore with the Redis Cluster unreachable", () => {
  // Nothing listens on port 1: the cluster client never gets ready.
  const redis = createRedisClusterClient(["redis://127.0.0.1:1"], { connectTimeoutMs: 200 });
  const store = new RedisAuthCodeStore(redis, { keyPrefix: uniquePrefix(), clock: systemClock });
  afterAll(() => closeRedisClient(redis));

  it("fails fast with DEPENDENCY_UNAVAILABLE", async () => {
    const started = Date.now();
    const error = await store.consume("deadbeef", "req-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("DEPENDENCY_UNAVAILABLE");
    await expect(store.ping()).rejects.toMatchObject({ code: "DEPENDENCY_UNAVAILABLE" });
    await expect(store.isRevoked("a", "b", new Date())).rejects.toMatchObject({
      code: "DEPENDENCY_UNAVAILABLE",
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
