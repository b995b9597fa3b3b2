import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { RateDecision, RateLimit, RateLimiter } from "../../ports/rate-limiter.js";
import { defineRateLimiterScripts, type RateLimiterScripts } from "./rate-limiter-scripts.js";
import { withRedisErrors } from "./redis-errors.js";

export interface RedisRateLimiterOptions {
  /** Prepended to every key, e.g. `userlink:`. */
  readonly keyPrefix: string;
}

/**
 * Fixed-window counters as Redis integers that expire with their window, so every
 * instance counts into the same bucket. Windows run on Redis' clock (the key's TTL).
 *
 * The client is borrowed: its owner closes it.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #scripts: RateLimiterScripts;
  readonly #prefix: string;

  constructor(redis: Redis | Cluster, options: RedisRateLimiterOptions) {
    this.#scripts = defineRateLimiterScripts(redis);
    this.#prefix = options.keyPrefix;
  }

  async hit(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const windowMs = Math.max(1, Math.ceil(limit.windowMs));
    const [count, leftMs] = await withRedisErrors("rate limit hit", () =>
      this.#scripts.userlinkRateHit(this.#key(bucket), String(windowMs)),
    );
    return decide(count <= limit.max, limit.max - count, leftMs > 0 ? leftMs : windowMs);
  }

  async check(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const [count, leftMs] = await withRedisErrors("rate limit check", () =>
      this.#scripts.userlinkRateCheck(this.#key(bucket)),
    );
    return decide(count < limit.max, limit.max - count, leftMs > 0 ? leftMs : limit.windowMs);
  }

  async close(): Promise<void> {}

  /**
   * Buckets name client addresses, which are personal data: hashed, so they never
   * appear in key listings. The braces are a hash tag: the key's own Cluster slot.
   */
  #key(bucket: string): string {
    const digest = createHash("sha256").update(bucket, "utf8").digest("hex");
    return `${this.#prefix}rate:{${digest}}`;
  }
}

function decide(allowed: boolean, remaining: number, leftMs: number): RateDecision {
  return { allowed, remaining: Math.max(0, remaining), retryAfterMs: allowed ? 0 : Math.max(1, leftMs) };
}
