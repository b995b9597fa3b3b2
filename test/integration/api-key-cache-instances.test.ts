import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_CACHE_TTL_MS } from "../../src/adapters/memory/ttl-api-key-cache.js";
import { ApiKeyScope } from "../../src/gen/userlink/v1/types.js";
import { keyRefusedOn, timeUntilSeen, type SeenChange } from "../support/cache-change.js";
import { expectGrpcError } from "../support/flow.js";
import { connectTestRedis } from "../support/redis.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

/** Rule 11 allows a revocation this long to reach every instance. */
const RULE_11_BOUND_MS = 5_000;
/**
 * An instance that heard the message acts on it within this; one that did not keeps its
 * answer for the cache's whole lifetime (2 s from the warming call).
 */
const HEARD_WITHIN_MS = API_KEY_CACHE_TTL_MS / 2;

/**
 * The API-key cache across instances on one Postgres and one Redis: a change made
 * through one instance reaches the others' caches by pub/sub (almost always before the
 * caller's next call; nothing orders the message before it), and within the cache's
 * lifetime when the message is lost.
 */
describe("API-key cache across instances (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let a: TestInstance;
  let b: TestInstance;
  /** Publishes on a channel of its own: A never hears of what C changes. */
  let c: TestInstance;
  let appId: string;

  beforeAll(async () => {
    storage = await createStorage("real");
    [a, b] = await Promise.all([startInstance(storage), startInstance(storage)]);
    c = await startInstance(storage, { USERLINK_REDIS_KEY_PREFIX: `${storage.redisKeyPrefix}other:` });
    const { app } = await a.admin.createApp({ displayName: "cache", sdkConfig: {} });
    appId = app!.appId;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await storage?.destroy();
  });

  async function newKey(name: string): Promise<{ apiKey: string; keyId: string }> {
    const created = await a.admin.createApiKey({
      appId,
      name,
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK],
    });
    return { apiKey: created.apiKey, keyId: created.key!.keyId };
  }

  /** Makes sure A holds the key in its cache (two calls: the first loads it). */
  async function warm(instance: TestInstance, apiKey: string): Promise<void> {
    for (let i = 0; i < 2; i++) await instance.link(apiKey).requestAuthCode({ externalUserId: "warm" });
  }

  async function revokeThrough(instance: TestInstance, keyId: string): Promise<void> {
    await instance.admin.revokeApiKey({ keyId });
  }

  it("refuses on A a key revoked through B as soon as A hears of it, well before its cached answer expires", async () => {
    // Repeated: the message, not the cache's lifetime, must be what A acts on each time.
    const seen: SeenChange[] = [];
    for (let i = 0; i < 20; i++) {
      const { apiKey, keyId } = await newKey(`revoke ${i}`);
      await warm(a, apiKey);
      await revokeThrough(b, keyId);
      seen.push(
        await timeUntilSeen(keyRefusedOn(a, apiKey, "API_KEY_REVOKED"), {
          since: performance.now(),
          withinMs: HEARD_WITHIN_MS,
        }),
      );
    }
    const staleFirstCalls = seen.filter((s) => s.staleAnswers > 0).length;
    const slowest = Math.max(...seen.map((s) => s.elapsedMs));
    console.log(
      `revoked through B: A refused the first call after it ${20 - staleFirstCalls} of 20 times; ` +
        `slowest refusal ${slowest.toFixed(1)} ms after B returned`,
    );
    // Were A deaf to the messages, every first call would be answered from its cache.
    expect(staleFirstCalls).toBeLessThanOrEqual(2);
  });

  it("refuses on A, as soon as it hears of it, an old key rotated through B without grace, and takes the new one", async () => {
    const { apiKey, keyId } = await newKey("rotate");
    await warm(a, apiKey);
    const rotated = await b.admin.rotateApiKey({ keyId, gracePeriod: { seconds: "0", nanos: 0 } });
    await timeUntilSeen(keyRefusedOn(a, apiKey, "API_KEY_EXPIRED"), {
      since: performance.now(),
      withinMs: HEARD_WITHIN_MS,
    });
    await a.link(rotated.apiKey).requestAuthCode({ externalUserId: "x" });
  });

  it("uses on A the app settings changed through B as soon as A hears of it", async () => {
    const { apiKey } = await newKey("app settings");
    await warm(a, apiKey);
    await b.admin.updateApp({ appId, authCodeTtl: { seconds: "120", nanos: 0 } });
    let ttlMs = Number.NaN;
    await timeUntilSeen(
      async () => {
        const { expiresAt } = await a.link(apiKey).requestAuthCode({ externalUserId: "x" });
        ttlMs = expiresAt!.getTime() - Date.now();
        return ttlMs <= 120_000;
      },
      { since: performance.now(), withinMs: HEARD_WITHIN_MS },
    );
    expect(ttlMs).toBeGreaterThan(100_000);
  });

  it("with the message lost, refuses on A within the cache's lifetime, inside rule 11's 5 s", async () => {
    const { apiKey, keyId } = await newKey("lost message");
    await warm(a, apiKey);
    const revoked = performance.now();
    await revokeThrough(c, keyId);
    const { elapsedMs, staleAnswers } = await timeUntilSeen(keyRefusedOn(a, apiKey, "API_KEY_REVOKED"), {
      since: revoked,
      withinMs: RULE_11_BOUND_MS,
      everyMs: 20,
    });
    console.log(
      `message lost: A refused the revoked key ${elapsedMs.toFixed(0)} ms after the revocation began ` +
        `(${staleAnswers} stale answers; lifetime ${API_KEY_CACHE_TTL_MS} ms)`,
    );
    // The cache was in use (else this test proves nothing) and bounded by its lifetime.
    expect(staleAnswers).toBeGreaterThan(0);
    expect(elapsedMs).toBeLessThan(API_KEY_CACHE_TTL_MS + 1_000);
  });

  it("reads Postgres on A while its subscription is down: a change it cannot hear is refused at once", async () => {
    const { apiKey, keyId } = await newKey("subscription down");
    await warm(a, apiKey);
    const redis = await connectTestRedis();
    try {
      const clients = String(await redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
      const name = `userlink-api-key-cache:${storage.redisKeyPrefix}`;
      const ids = clients
        .split("\n")
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]!);
      // A and B share the prefix; both lose their subscription.
      expect(ids).toHaveLength(2);
      for (const id of ids) await redis.client("KILL", "ID", id);
    } finally {
      redis.disconnect();
    }
    // Give A's client the moment it takes to see the connection close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await revokeThrough(c, keyId);
    await expectGrpcError(a.link(apiKey).requestAuthCode({ externalUserId: "x" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_REVOKED",
    });
  });
});
