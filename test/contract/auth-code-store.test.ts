import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryAuthCodeStore } from "../../src/adapters/memory/memory-auth-code-store.js";
import { RedisAuthCodeStore } from "../../src/adapters/redis/redis-auth-code-store.js";
import { closeRedisClient, createRedisClient } from "../../src/adapters/redis/redis-client.js";
import { AppError } from "../../src/domain/errors.js";
import { systemClock } from "../../src/ports/clock.js";
import { connectTestRedis, deleteKeysWithPrefix, keysWithPrefix, uniquePrefix } from "../support/redis.js";
import { describeAuthCodeStoreContract } from "./auth-code-store.contract.js";

describeAuthCodeStoreContract("memory", async (clock) => {
  const store = new MemoryAuthCodeStore({ clock });
  return { store, cleanup: () => store.close() };
});

describeAuthCodeStoreContract("redis", async (clock) => {
  const prefix = uniquePrefix();
  const redis = await connectTestRedis();
  const store = new RedisAuthCodeStore(redis, { keyPrefix: prefix, clock });
  return {
    store,
    cleanup: async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await store.close();
    },
  };
});

describe("RedisAuthCodeStore storage", () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let store: RedisAuthCodeStore;

  beforeAll(async () => {
    redis = await connectTestRedis();
    store = new RedisAuthCodeStore(redis, { keyPrefix: prefix, clock: systemClock });
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await store.close();
  });

  it("keeps a code as a hash under its hash-tagged key, expiring with the code", async () => {
    const hash = randomBytes(32).toString("hex");
    const issuedAt = new Date();
    const expiresAt = new Date(issuedAt.getTime() + 30_000);
    await store.save(hash, { appId: "app-1", externalUserId: "ext", userId: null, issuedAt, expiresAt });
    const key = `${prefix}code:{${hash}}`;
    expect(await redis.hgetall(key)).toEqual({
      appId: "app-1",
      externalUserId: "ext",
      issuedAt: String(issuedAt.getTime()),
      expiresAt: String(expiresAt.getTime()),
    });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await store.consume(hash, "req-1");
    // Spending the code must not make it immortal (HSET keeps the TTL).
    expect(await redis.pttl(key)).toBeGreaterThan(25_000);
    expect(await redis.hget(key, "consumedBy")).toBe("req-1");
  });

  it("never writes an external id into a key name", async () => {
    const externalUserId = "alice@example.com";
    const now = new Date();
    const hash = randomBytes(32).toString("hex");
    const saved = {
      appId: "app-2",
      externalUserId,
      userId: "u-1",
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
    };
    await store.save(hash, saved);
    await store.revokeIssuedUpTo("app-2", externalUserId, now, 60_000);
    const keys = await keysWithPrefix(redis, prefix);
    expect(keys).toContain(`${prefix}code:{${hash}}`);
    expect(keys.some((k) => k.startsWith(`${prefix}revoked:{app-2}:`))).toBe(true);
    expect(keys.filter((k) => k.includes(externalUserId))).toEqual([]);
    expect(await store.consume(hash, "req-1")).toEqual({ kind: "consumed", record: saved });
  });
});

describe("RedisAuthCodeStore with Redis down", () => {
  // Nothing listens on port 1: every attempt is refused at once.
  const redis = createRedisClient("redis://127.0.0.1:1", { connectTimeoutMs: 200 });
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
