import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { createRedisClient, whenRedisReady } from "../../src/adapters/redis/redis-client.js";

/** The Redis the tests use; CI and developers point elsewhere with TEST_REDIS_URL. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** A key prefix no other run or test file shares, so tests can run side by side. */
export function uniquePrefix(): string {
  return `test:${randomBytes(6).toString("hex")}:`;
}

/** A ready client on the test Redis, with the production settings. */
export async function connectTestRedis(): Promise<Redis> {
  const client = createRedisClient(testRedisUrl(), { commandTimeoutMs: 5_000 });
  await whenRedisReady(client);
  return client;
}

/** Every key under `prefix` (SCAN, never KEYS: the test Redis may be shared). */
export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // Escape glob characters so the prefix is matched literally.
  const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", match, "COUNT", 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysWithPrefix(redis, prefix);
  if (keys.length > 0) await redis.unlink(...keys);
  return keys.length;
}
