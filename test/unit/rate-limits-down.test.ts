import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../src/ports/rate-limiter.js";
import { systemClock } from "../../src/ports/clock.js";
import { RateLimits } from "../../src/services/rate-limits.js";

describe("RateLimits when the limiter is down", () => {
  it("lets calls through and warns once per interval", async () => {
    const down: RateLimiter = {
      hit: () => Promise.reject(new Error("redis unavailable")),
      check: () => Promise.reject(new Error("redis unavailable")),
      close: async () => {},
    };
    const warnings: string[] = [];
    const log = {
      info: () => {},
      error: () => {},
      warn: (_: object, message: string) => warnings.push(message),
    };
    const limit = { max: 1, windowMs: 1_000 };
    const limits = new RateLimits({
      limiter: down,
      settings: { apiKeyCalls: limit, createUserFailures: limit },
      clock: systemClock,
      log,
    });
    for (let i = 0; i < 5; i++) {
      await limits.admitApiKeyCall("key");
      await limits.admitCreateUser("203.0.113.1");
      await limits.countCreateUserFailure("203.0.113.1");
    }
    expect(warnings).toHaveLength(2);
  });
});
