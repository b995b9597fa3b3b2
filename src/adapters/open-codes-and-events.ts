import type { Logger as Pino } from "pino";
import type { Config } from "../config.js";
import type { ApiKeyCache } from "../ports/api-key-cache.js";
import type { AuthCodeStore } from "../ports/auth-code-store.js";
import { systemClock } from "../ports/clock.js";
import type { DeviceEventBus } from "../ports/device-event-bus.js";
import type { RateLimiter } from "../ports/rate-limiter.js";
import { MemoryAuthCodeStore } from "./memory/memory-auth-code-store.js";
import { MemoryDeviceEventBus } from "./memory/memory-device-event-bus.js";
import { MemoryRateLimiter } from "./memory/memory-rate-limiter.js";
import { TtlApiKeyCache } from "./memory/ttl-api-key-cache.js";
import { RedisApiKeyCache } from "./redis/redis-api-key-cache.js";
import { RedisAuthCodeStore } from "./redis/redis-auth-code-store.js";
import {
  closeRedisClient,
  createRedisClient,
  createRedisClusterClient,
  whenRedisReady,
} from "./redis/redis-client.js";
import { RedisDeviceEventBus } from "./redis/redis-device-event-bus.js";
import { RedisRateLimiter } from "./redis/redis-rate-limiter.js";

/**
 * What instances share through Redis (codes, device events, rate limits, the API-key
 * cache's invalidations), or the in-process stand-ins when REDIS_URL is unset. Each
 * part's close is pushed onto `closers`, which main.ts runs in reverse on shutdown.
 */
export async function openCodesAndEvents(
  config: Config,
  log: Pino,
  closers: Array<() => Promise<void>>,
): Promise<{
  codes: AuthCodeStore;
  events: DeviceEventBus;
  limiter: RateLimiter;
  apiKeyCache: ApiKeyCache | null;
}> {
  const onError = (error: unknown): void => log.warn({ err: error }, "device event bus error");
  if (config.redisUrl === null) {
    const codes = new MemoryAuthCodeStore({ clock: systemClock });
    const events = new MemoryDeviceEventBus({ onError });
    const limiter = new MemoryRateLimiter({ clock: systemClock });
    closers.push(
      () => codes.close(),
      () => events.close(),
      () => limiter.close(),
    );
    // Without Redis, instances on one Postgres could not tell each other of a revocation:
    // only the embedded database (one process by construction) caches API keys.
    const apiKeyCache = config.databaseUrl === null ? new TtlApiKeyCache() : null;
    if (apiKeyCache !== null) closers.push(() => apiKeyCache.close());
    return { codes, events, limiter, apiKeyCache };
  }
  let lastError = "";
  const redisOptions = {
    connectionName: "userlink",
    onError: (error: Error) => {
      // Every failed reconnect repeats the error; say it once per change.
      if (error.message === lastError) return;
      lastError = error.message;
      log.warn({ err: error }, "redis connection error");
    },
  };
  const redis = config.redisCluster
    ? createRedisClusterClient(config.redisClusterNodes, redisOptions)
    : createRedisClient(config.redisUrl, redisOptions);
  redis.on("ready", () => (lastError = ""));
  try {
    await whenRedisReady(redis);
  } catch (error) {
    await closeRedisClient(redis);
    throw error;
  }
  const codes = new RedisAuthCodeStore(redis, { keyPrefix: config.redisKeyPrefix, clock: systemClock });
  closers.push(() => codes.close());
  const events = await RedisDeviceEventBus.create(redis, { keyPrefix: config.redisKeyPrefix, onError });
  closers.push(() => events.close());
  // Shares the codes' connection (the code store closes it).
  const limiter = new RedisRateLimiter(redis, { keyPrefix: config.redisKeyPrefix });
  const apiKeyCache = await RedisApiKeyCache.create(redis, {
    keyPrefix: config.redisKeyPrefix,
    onError: (error) => log.warn({ err: error }, "api key cache error"),
  });
  closers.push(() => apiKeyCache.close());
  return { codes, events, limiter, apiKeyCache };
}

/** For the metrics: the code store's Redis connection state, null when there is none. */
export function redisReady(codes: AuthCodeStore): boolean | null {
  return codes instanceof RedisAuthCodeStore ? codes.connectionReady() : null;
}
