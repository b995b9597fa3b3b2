import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import type { RateLimit, RateLimiter } from "../../src/ports/rate-limiter.js";
import { TestClock } from "./auth-code-store.contract.js";

export interface RateLimiterHarness {
  readonly limiter: RateLimiter;
  /** Closes the limiter and removes whatever it left behind. */
  readonly cleanup: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newBucket = () => `bucket:${randomBytes(8).toString("hex")}`;

/**
 * What every RateLimiter must do: the memory stand-in and Redis run the same
 * expectations, so the embedded default limits exactly as production does. Windows
 * are short and real, since Redis keeps its windows on its own clock.
 */
export function describeRateLimiterContract(
  name: string,
  make: (clock: Clock) => Promise<RateLimiterHarness>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let harness: RateLimiterHarness;
    let limiter: RateLimiter;

    beforeEach(async () => {
      harness = await make(new TestClock());
      limiter = harness.limiter;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    const minute: RateLimit = { max: 3, windowMs: 60_000 };

    it("allows max hits per window, counting down, and refuses the next with the time left", async () => {
      const bucket = newBucket();
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.hit(bucket, minute));
      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true, remaining: 2, retryAfterMs: 0 },
        { allowed: true, remaining: 1, retryAfterMs: 0 },
        { allowed: true, remaining: 0, retryAfterMs: 0 },
      ]);
      const refused = decisions[3]!;
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      expect(refused.retryAfterMs).toBeGreaterThan(55_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it("keeps refusing, and counting refused hits does not move the window's end", async () => {
      const bucket = newBucket();
      const limit = { max: 2, windowMs: 1_000 };
      await limiter.hit(bucket, limit);
      await limiter.hit(bucket, limit);
      const first = await limiter.hit(bucket, limit);
      await sleep(200);
      for (let i = 0; i < 5; i++) await limiter.hit(bucket, limit);
      const later = await limiter.hit(bucket, limit);
      expect(first.allowed).toBe(false);
      expect(later.allowed).toBe(false);
      expect(later.retryAfterMs).toBeGreaterThanOrEqual(1);
      expect(later.retryAfterMs).toBeLessThanOrEqual(first.retryAfterMs - 150);
    });

    it("checks without counting", async () => {
      const bucket = newBucket();
      expect(await limiter.check(bucket, minute)).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
      for (let i = 0; i < 5; i++) await limiter.check(bucket, minute);
      expect(await limiter.hit(bucket, minute)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
      await limiter.hit(bucket, minute);
      expect(await limiter.check(bucket, minute)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      await limiter.hit(bucket, minute);
      const full = await limiter.check(bucket, minute);
      expect(full).toMatchObject({ allowed: false, remaining: 0 });
      expect(full.retryAfterMs).toBeGreaterThan(55_000);
      expect(full.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it("keeps buckets apart, also buckets that differ by a character or look like hash tags", async () => {
      const base = newBucket();
      const buckets = [base, `${base} `, `{${base}}`, `${base}:ünïcode`, "2001:db8::/64"];
      for (const bucket of buckets) {
        const limit = { max: 1, windowMs: 60_000 };
        expect((await limiter.hit(bucket, limit)).allowed).toBe(true);
        expect((await limiter.hit(bucket, limit)).allowed).toBe(false);
      }
      const other = newBucket();
      expect(await limiter.check(other, minute)).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
    });

    it("starts counting from zero once the window ends", async () => {
      const bucket = newBucket();
      const limit = { max: 2, windowMs: 200 };
      await limiter.hit(bucket, limit);
      await limiter.hit(bucket, limit);
      const refused = await limiter.hit(bucket, limit);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
      await sleep(refused.retryAfterMs + 100);
      expect(await limiter.check(bucket, limit)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
      expect(await limiter.hit(bucket, limit)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    });

    it("starts the window with the first hit, not with each hit", async () => {
      const bucket = newBucket();
      const limit = { max: 2, windowMs: 500 };
      await limiter.hit(bucket, limit);
      await sleep(300);
      await limiter.hit(bucket, limit);
      await sleep(300);
      // 600 ms after the first hit: a new window, whatever the second hit was.
      expect(await limiter.hit(bucket, limit)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    });

    it("lets exactly max of 50 concurrent hits through", async () => {
      const bucket = newBucket();
      const limit = { max: 10, windowMs: 60_000 };
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.hit(bucket, limit)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect(decisions.filter((d) => !d.allowed && d.retryAfterMs > 0)).toHaveLength(40);
      expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining))).toEqual(
        new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      );
    });
  });
}
