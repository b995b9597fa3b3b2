import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TtlApiKeyCache } from "../../src/adapters/memory/ttl-api-key-cache.js";
import { RedisApiKeyCache } from "../../src/adapters/redis/redis-api-key-cache.js";
import {
  closeRedisClient,
  createRedisClient,
  whenRedisReady,
} from "../../src/adapters/redis/redis-client.js";
import type { KeyWithApp } from "../../src/ports/api-key-cache.js";
import { row } from "../support/key-with-app.js";
import { connectTestRedis, testRedisUrl, uniquePrefix } from "../support/redis.js";

/** A load that counts its calls and answers what `answer` holds at the time. */
function counting(answer: { value: KeyWithApp | null }) {
  const load = Object.assign(
    () => {
      load.calls++;
      return Promise.resolve(answer.value);
    },
    { calls: 0 },
  );
  return load;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(5);
  }
  return performance.now() - started;
}

describe("TtlApiKeyCache", () => {
  it("serves a found key from memory until its lifetime ends, then loads it again", async () => {
    const cache = new TtlApiKeyCache({ ttlMs: 100 });
    const answer = { value: row() };
    const load = counting(answer);
    const id = answer.value.key.id;
    expect(await cache.lookup(id, load)).toBe(answer.value);
    expect(await cache.lookup(id, load)).toBe(answer.value);
    expect(load.calls).toBe(1);
    await sleep(120);
    await cache.lookup(id, load);
    expect(load.calls).toBe(2);
  });

  it("never remembers an unknown key", async () => {
    const cache = new TtlApiKeyCache();
    const load = counting({ value: null });
    expect(await cache.lookup("k", load)).toBeNull();
    expect(await cache.lookup("k", load)).toBeNull();
    expect(load.calls).toBe(2);
  });

  it("shares one load among concurrent misses, and passes a failure to each", async () => {
    const cache = new TtlApiKeyCache();
    const answer = { value: row() };
    const load = counting(answer);
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.lookup("k", load)));
    expect(load.calls).toBe(1);
    expect(new Set(results)).toEqual(new Set([answer.value]));

    const failing = () => Promise.reject(new Error("db down"));
    const outcomes = await Promise.allSettled([cache.lookup("f", failing), cache.lookup("f", failing)]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    // A failed load leaves nothing behind.
    const later = counting(answer);
    await cache.lookup("f", later);
    expect(later.calls).toBe(1);
  });

  it("does not keep a load that overlapped an invalidation: it may hold the row from before", async () => {
    const cache = new TtlApiKeyCache();
    const before = row();
    let release!: (value: KeyWithApp) => void;
    const slow = cache.lookup("k", () => new Promise<KeyWithApp>((resolve) => (release = resolve)));
    cache.forget({ keyIds: ["k"] });
    // A caller after the invalidation does not join the stale load.
    const after = { value: { ...before, key: { ...before.key, revokedAt: new Date() } } };
    const fresh = counting(after);
    expect(await cache.lookup("k", fresh)).toBe(after.value);
    release(before);
    expect(await slow).toBe(before);
    expect(await cache.lookup("k", fresh)).toBe(after.value);
    expect(fresh.calls).toBe(1);
  });

  it("forgets by key and by app, and records uses in the cached row", async () => {
    const cache = new TtlApiKeyCache();
    const appId = randomUUID();
    const [one, two, other] = [row(appId), row(appId), row()];
    for (const value of [one, two, other]) await cache.lookup(value.key.id, () => Promise.resolve(value));
    expect(cache.size).toBe(3);

    const usedAt = new Date();
    cache.noteUsed(one.key.id, usedAt);
    const cached = await cache.lookup(one.key.id, () => Promise.reject(new Error("not cached")));
    expect(cached?.key.lastUsedAt).toBe(usedAt);

    cache.forget({ keyIds: [other.key.id] });
    expect(cache.size).toBe(2);
    cache.forget({ appIds: [appId] });
    expect(cache.size).toBe(0);
  });

  it("keeps nothing while disabled, and at most maxEntries", async () => {
    const cache = new TtlApiKeyCache({ enabled: false, maxEntries: 2 });
    const load = counting({ value: row() });
    await cache.lookup("a", load);
    await cache.lookup("a", load);
    expect(load.calls).toBe(2);
    cache.setEnabled(true);
    for (const id of ["a", "b", "c"]) await cache.lookup(id, load);
    expect(cache.size).toBe(2);
    cache.setEnabled(false);
    expect(cache.size).toBe(0);
  });
});

describe("RedisApiKeyCache (real Redis)", () => {
  let admin: Redis;
  const owned: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    admin = await connectTestRedis();
  });
  afterEach(async () => {
    for (const item of owned.splice(0).reverse()) await item.close();
  });
  afterAll(async () => {
    await closeRedisClient(admin);
  });

  async function instance(keyPrefix: string, onError: (error: unknown) => void = () => {}) {
    const client = createRedisClient(testRedisUrl());
    await whenRedisReady(client);
    owned.push({ close: () => closeRedisClient(client) });
    const cache = await RedisApiKeyCache.create(client, { keyPrefix, onError });
    owned.push(cache);
    return { client, cache };
  }

  it("an invalidation through one instance reaches the other", async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const answer = { value: row() };
    const load = counting(answer);
    const id = answer.value.key.id;
    await a.cache.lookup(id, load);
    await a.cache.lookup(id, load);
    expect(load.calls).toBe(1);

    await b.cache.invalidate({ keyIds: [id] });
    const ms = await until(() => a.cache.size === 0, 1_000);
    console.log(`invalidation reached the other instance's cache in ${ms.toFixed(1)} ms`);
    await a.cache.lookup(id, load);
    expect(load.calls).toBe(2);

    await b.cache.invalidate({ appIds: [answer.value.app.id] });
    await until(() => a.cache.size === 0, 1_000);
  });

  it("keeps nothing while its subscription is down, and caches again once resubscribed", async () => {
    const prefix = uniquePrefix();
    const a = await instance(prefix);
    const load = counting({ value: row() });
    await a.cache.lookup("k", load);
    expect(a.cache.size).toBe(1);

    const clients = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub"));
    const ids = clients
      .split("\n")
      .filter((line) => line.includes(` name=userlink-api-key-cache:${prefix} `))
      .map((line) => /\bid=(\d+)/.exec(line)![1]!);
    expect(ids).toHaveLength(1);
    await admin.client("KILL", "ID", ids[0]!);
    // Dropped as soon as the connection is seen to close, before any reconnect.
    await until(() => a.cache.size === 0, 1_000);

    // Once the subscription is back, answers are kept again (and invalidations heard).
    await until(async () => {
      await a.cache.lookup("k", load);
      return a.cache.size === 1;
    }, 3_000);
    const b = await instance(prefix);
    await b.cache.invalidate({ keyIds: ["k"] });
    await until(() => a.cache.size === 0, 1_000);
  });

  it("forgets everything on a message it cannot read", async () => {
    const prefix = uniquePrefix();
    const errors: unknown[] = [];
    const a = await instance(prefix, (error) => errors.push(error));
    await a.cache.lookup("k", counting({ value: row() }));
    await admin.publish(`${prefix}api-key-cache`, '{"k": [1]}');
    await until(() => a.cache.size === 0, 1_000);
    expect(errors).toHaveLength(1);
  });

  it("does not fail a change whose message cannot be sent, and forgets locally anyway", async () => {
    const errors: unknown[] = [];
    const a = await instance(uniquePrefix(), (error) => errors.push(error));
    await a.cache.lookup("k", counting({ value: row() }));
    a.client.disconnect();
    await a.cache.invalidate({ keyIds: ["k"] });
    expect(a.cache.size).toBe(0);
    expect(errors).toHaveLength(1);
  });
});
