import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../src/adapters/memory/memory-rate-limiter.js";
import { closeRedisClient, createRedisClient } from "../../src/adapters/redis/redis-client.js";
import { RedisRateLimiter } from "../../src/adapters/redis/redis-rate-limiter.js";
import { AppError } from "../../src/domain/errors.js";
import { connectTestRedis, deleteKeysWithPrefix, keysWithPrefix, uniquePrefix } from "../support/redis.js";
import { TestClock } from "./auth-code-store.contract.js";
import { describeRateLimiterContract } from "./rate-limiter.contract.js";

describeRateLimiterContract("memory", async (clock) => {
  const limiter = new MemoryRateLimiter({ clock });
  return { limiter, cleanup: () => limiter.close() };
});

describeRateLimiterContract("redis", async () => {
  const prefix = uniquePrefix();
  const redis = await connectTestRedis();
  const limiter = new RedisRateLimiter(redis, { keyPrefix: prefix });
  return {
    limiter,
    cleanup: async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await limiter.close();
      await closeRedisClient(redis);
    },
  };
});

describe("MemoryRateLimiter on its clock", () => {
  it("ends a window when the injected clock says so", async () => {
    const clock = new TestClock();
    clock.freeze(new Date("2030-01-01T00:00:00Z"));
    const limiter = new MemoryRateLimiter({ clock });
    const limit = { max: 1, windowMs: 10_000 };
    await limiter.hit("b", limit);
    clock.advance(9_999);
    expect(await limiter.hit("b", limit)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.hit("b", limit)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    await limiter.close();
  });
});

describe("RedisRateLimiter storage", () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let limiter: RedisRateLimiter;

  beforeAll(async () => {
    redis = await connectTestRedis();
    limiter = new RedisRateLimiter(redis, { keyPrefix: prefix });
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await closeRedisClient(redis);
  });

  const keyOf = (bucket: string) =>
    `${prefix}rate:{${createHash("sha256").update(bucket, "utf8").digest("hex")}}`;

  it("keeps one hash-tagged counter per bucket under the prefix, expiring with the window", async () => {
    const bucket = "create-user-failures:203.0.113.7";
    await limiter.hit(bucket, { max: 5, windowMs: 30_000 });
    await limiter.hit(bucket, { max: 5, windowMs: 30_000 });
    const keys = await keysWithPrefix(redis, prefix);
    expect(keys).toEqual([keyOf(bucket)]);
    // Client addresses are personal data: never in a key name.
    expect(keys[0]).not.toContain("203.0.113.7");
    expect(await redis.get(keyOf(bucket))).toBe("2");
    const ttl = await redis.pttl(keyOf(bucket));
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it("gives a counter that lost its TTL a new window instead of counting forever", async () => {
    const bucket = "api-key:lost-ttl";
    await limiter.hit(bucket, { max: 5, windowMs: 30_000 });
    await redis.persist(keyOf(bucket));
    await limiter.hit(bucket, { max: 5, windowMs: 30_000 });
    expect(await redis.pttl(keyOf(bucket))).toBeGreaterThan(25_000);
  });
});

describe("RedisRateLimiter with Redis down", () => {
  // Nothing listens on port 1: every attempt is refused at once.
  const redis = createRedisClient("redis://127.0.0.1:1", { connectTimeoutMs: 200 });
  const limiter = new RedisRateLimiter(redis, { keyPrefix: uniquePrefix() });
  afterAll(() => closeRedisClient(redis));

  it("fails fast with DEPENDENCY_UNAVAILABLE, leaving the decision to the caller", async () => {
    const started = Date.now();
    const error = await limiter.hit("b", { max: 1, windowMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("DEPENDENCY_UNAVAILABLE");
    await expect(limiter.check("b", { max: 1, windowMs: 1_000 })).rejects.toMatchObject({
      code: "DEPENDENCY_UNAVAILABLE",
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
