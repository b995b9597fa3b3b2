import type { Clock } from "../../ports/clock.js";
import type { RateDecision, RateLimit, RateLimiter } from "../../ports/rate-limiter.js";

export interface MemoryRateLimiterOptions {
  readonly clock: Clock;
  /** How often ended windows are dropped. Default one minute. */
  readonly sweepIntervalMs?: number;
}

interface Window {
  count: number;
  readonly endsAtMs: number;
}

/**
 * Counters in a Map, for the embedded single-instance default. Every call runs to the
 * end without awaiting, which makes each hit atomic here.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryRateLimiterOptions) {
    this.#clock = options.clock;
    // Buckets nobody hits again (one per client address) would otherwise stay forever.
    this.#sweeper = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  async hit(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.#nowMs();
    let window = this.#live(bucket, now);
    if (window === undefined) {
      window = { count: 0, endsAtMs: now + limit.windowMs };
      this.#windows.set(bucket, window);
    }
    window.count += 1;
    return decide(window.count <= limit.max, limit.max - window.count, window.endsAtMs - now);
  }

  async check(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.#nowMs();
    const window = this.#live(bucket, now);
    if (window === undefined) return decide(true, limit.max, 0);
    return decide(window.count < limit.max, limit.max - window.count, window.endsAtMs - now);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#windows.clear();
  }

  #live(bucket: string, now: number): Window | undefined {
    const window = this.#windows.get(bucket);
    if (window !== undefined && window.endsAtMs <= now) {
      this.#windows.delete(bucket);
      return undefined;
    }
    return window;
  }

  #sweep(): void {
    const now = this.#nowMs();
    for (const [bucket, window] of this.#windows) if (window.endsAtMs <= now) this.#windows.delete(bucket);
  }

  #nowMs(): number {
    return this.#clock.now().getTime();
  }
}

function decide(allowed: boolean, remaining: number, leftMs: number): RateDecision {
  return { allowed, remaining: Math.max(0, remaining), retryAfterMs: allowed ? 0 : Math.max(1, leftMs) };
}
