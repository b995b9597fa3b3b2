/** How many hits a bucket allows per window. */
export interface RateLimit {
  /** Hits allowed per window; at least 1 (a limit that is off is never asked). */
  readonly max: number;
  readonly windowMs: number;
}

export interface RateDecision {
  /** For `hit`: this hit is within the limit. For `check`: one more hit would be. */
  readonly allowed: boolean;
  /** Hits still allowed in the current window (0 once it is used up). */
  readonly remaining: number;
  /** When refused: milliseconds until the window ends and hits count from zero again. 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * Counters of hits per bucket in fixed windows, shared by every instance: Redis in
 * production (adapters/redis), an in-process map on the embedded default
 * (adapters/memory); both pass test/contract/rate-limiter.
 *
 * A bucket's window starts with its first hit and lasts `windowMs`; when it ends the
 * count starts again from zero. Buckets are opaque strings and never meet each other.
 * Adapters throw AppError("DEPENDENCY_UNAVAILABLE") when their store is unreachable;
 * what to do then (fail open or closed) is the caller's decision.
 */
export interface RateLimiter {
  /** Counts one hit on `bucket`, also when it is refused, and says whether it was allowed. */
  hit(bucket: string, limit: RateLimit): Promise<RateDecision>;
  /** Says whether one more hit on `bucket` would be allowed, without counting one. */
  check(bucket: string, limit: RateLimit): Promise<RateDecision>;
  close(): Promise<void>;
}
