import type { Cluster, Redis } from "ioredis";

/**
 * The Lua behind RedisRateLimiter. Each runs atomically on the one key it names, so
 * hits from every instance count exactly once, and the key's slot is all that Redis
 * Cluster needs to know.
 */

/**
 * KEYS[1] bucket key; ARGV[1] window (ms). Returns {count, ms left in the window}.
 * The first hit starts the window. A key that somehow lost its TTL gets one again
 * rather than counting forever.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** KEYS[1] bucket key. Returns {count, ms left in the window}; {0, 0} when there is none. */
const CHECK = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
`;

/** The commands `defineRateLimiterScripts` adds; ioredis' typings cannot see them. */
export interface RateLimiterScripts {
  userlinkRateHit(key: string, windowMs: string): Promise<[number, number]>;
  userlinkRateCheck(key: string): Promise<[number, number]>;
}

/**
 * Registers the scripts on `redis` (EVALSHA, falling back to EVAL after a script
 * flush or on a fresh node) and returns the client typed with them.
 */
export function defineRateLimiterScripts(redis: Redis | Cluster): RateLimiterScripts {
  redis.defineCommand("userlinkRateHit", { numberOfKeys: 1, lua: HIT });
  redis.defineCommand("userlinkRateCheck", { numberOfKeys: 1, lua: CHECK });
  // defineCommand adds methods at run time; this is the one place that says so.
  return redis as unknown as RateLimiterScripts;
}
