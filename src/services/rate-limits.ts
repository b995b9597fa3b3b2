import { isIPv4 } from "node:net";
import { ipv6Prefix64, normalizeIpAddress } from "../domain/ip-address.js";
import { AppError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { RateLimit, RateLimiter } from "../ports/rate-limiter.js";

/** Rule 14's limits, from the configuration. A `max` of 0 turns that limit off. */
export interface RateLimitSettings {
  /** LinkService calls per API key. */
  readonly apiKeyCalls: RateLimit;
  /** Failed CreateUser attempts per client address. */
  readonly createUserFailures: RateLimit;
}

export interface RateLimitsDeps {
  readonly limiter: RateLimiter;
  readonly settings: RateLimitSettings;
  readonly clock: Clock;
  readonly log: Logger;
}

type LimitName = "api_key_calls" | "create_user_failures";

/** A limiter that cannot be reached is reported at most this often per limit. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The two limits of rule 14 over one shared RateLimiter. Over a limit, a call fails
 * RATE_LIMITED with the time until the window ends (RetryInfo on the wire).
 *
 * Both fail open: when the limiter cannot be reached (Redis down), calls go through
 * and a warning is logged, so that reads with an API key keep working through a
 * Redis outage. CreateUser loses nothing by it: it needs Redis for the code itself,
 * and answers UNAVAILABLE then anyway.
 */
export class RateLimits {
  readonly #deps: RateLimitsDeps;
  readonly #lastWarnedAt = new Map<LimitName, number>();
  /** CreateUser attempts under way on this instance, per client bucket. */
  readonly #createUserInFlight = new Map<string, number>();

  constructor(deps: RateLimitsDeps) {
    this.#deps = deps;
  }

  /** Counts one LinkService call of the key; throws RATE_LIMITED when over its limit. */
  async admitApiKeyCall(keyId: string): Promise<void> {
    const limit = this.#deps.settings.apiKeyCalls;
    if (limit.max <= 0) return;
    const decision = await this.#failOpen("api_key_calls", () =>
      this.#deps.limiter.hit(`api-key:${keyId}`, limit),
    );
    if (decision !== null && !decision.allowed) {
      throw rateLimited("api_key_calls", "too many calls with this API key", decision.retryAfterMs);
    }
  }

  /**
   * Throws RATE_LIMITED when the client has used up its failed CreateUser attempts, or
   * when it already has as many attempts in flight on this instance as it has failures
   * left: each of them may yet fail, and a burst of concurrent guesses that all passed
   * the check before any failure was counted would otherwise go unlimited (the
   * reliability suite sent 100 at once and all 100 reached the code store). Counts
   * nothing (only failures count, see `countCreateUserFailure`); the attempt holds its
   * place until the returned release is called, which the caller must do once it is over.
   */
  async admitCreateUser(clientAddress: string | null): Promise<() => void> {
    const limit = this.#deps.settings.createUserFailures;
    if (limit.max <= 0) return () => {};
    const bucket = createUserBucket(clientAddress);
    const decision = await this.#failOpen("create_user_failures", () =>
      this.#deps.limiter.check(bucket, limit),
    );
    const inFlight = this.#createUserInFlight.get(bucket) ?? 0;
    // With the limiter down the limit is open, in flight too (CreateUser needs Redis anyway).
    const room = decision?.remaining ?? Infinity;
    if ((decision !== null && !decision.allowed) || inFlight >= room) {
      throw rateLimited(
        "create_user_failures",
        "too many failed CreateUser attempts from this address",
        // Attempts in flight end within a second; a used-up window says when it ends.
        decision !== null && decision.retryAfterMs > 0 ? decision.retryAfterMs : 1_000,
      );
    }
    this.#createUserInFlight.set(bucket, inFlight + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#createUserInFlight.get(bucket) ?? 1) - 1;
      if (left > 0) this.#createUserInFlight.set(bucket, left);
      else this.#createUserInFlight.delete(bucket);
    };
  }

  /** Counts one failed CreateUser attempt of the client. Never throws. */
  async countCreateUserFailure(clientAddress: string | null): Promise<void> {
    const limit = this.#deps.settings.createUserFailures;
    if (limit.max <= 0) return;
    await this.#failOpen("create_user_failures", () =>
      this.#deps.limiter.hit(createUserBucket(clientAddress), limit),
    );
  }

  async #failOpen<T>(limit: LimitName, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (error) {
      const now = this.#deps.clock.now().getTime();
      const last = this.#lastWarnedAt.get(limit);
      if (last === undefined || now - last >= WARN_INTERVAL_MS) {
        this.#lastWarnedAt.set(limit, now);
        this.#deps.log.warn({ err: error, limit }, "rate limiter unavailable: calls are let through");
      }
      return null;
    }
  }
}

function rateLimited(limit: LimitName, message: string, retryAfterMs: number): AppError {
  return new AppError("RATE_LIMITED", message, { retryAfterMs, metadata: { limit } });
}

function createUserBucket(clientAddress: string | null): string {
  return `create-user-failures:${addressUnit(clientAddress)}`;
}

/**
 * What one client is, for counting: an IPv4 address, or an IPv6 /64 (one subscriber
 * usually holds a whole /64, so single addresses would cost an abuser nothing).
 * Callers without a known address share one bucket.
 */
export function addressUnit(address: string | null): string {
  const normal = address === null ? null : normalizeIpAddress(address);
  if (normal === null) return "unknown";
  return isIPv4(normal) ? normal : `${ipv6Prefix64(normal)}::/64`;
}
