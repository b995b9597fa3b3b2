import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuthCodeRecord, AuthCodeStore } from "../../src/ports/auth-code-store.js";
import type { Clock } from "../../src/ports/clock.js";

export interface AuthCodeStoreHarness {
  readonly store: AuthCodeStore;
  /** Closes the store and removes whatever it left behind. */
  readonly cleanup: () => Promise<void>;
}

/** Real time that a test can freeze or jump, since Redis TTLs run on real time. */
export class TestClock implements Clock {
  #frozen: number | null = null;
  #offsetMs = 0;

  now(): Date {
    return new Date(this.#frozen ?? Date.now() + this.#offsetMs);
  }

  freeze(at: Date): void {
    this.#frozen = at.getTime();
  }

  advance(ms: number): void {
    if (this.#frozen === null) this.#offsetMs += ms;
    else this.#frozen += ms;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newHash = () => randomBytes(32).toString("hex");

/**
 * What every AuthCodeStore must do (kratos' persistence tests): the memory stand-in
 * and Redis run the same expectations, so the embedded default cannot drift.
 */
export function describeAuthCodeStoreContract(
  name: string,
  make: (clock: Clock) => Promise<AuthCodeStoreHarness>,
): void {
  describe(`AuthCodeStore contract: ${name}`, () => {
    let clock: TestClock;
    let harness: AuthCodeStoreHarness;
    let store: AuthCodeStore;

    beforeEach(async () => {
      clock = new TestClock();
      harness = await make(clock);
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    function record(overrides: Partial<AuthCodeRecord> = {}): AuthCodeRecord {
      const issuedAt = clock.now();
      return {
        appId: "0190a1b2-0000-7000-8000-000000000001",
        externalUserId: "customer-user-42",
        userId: "0190a1b2-0000-7000-8000-0000000000aa",
        issuedAt,
        expiresAt: new Date(issuedAt.getTime() + 60_000),
        ...overrides,
      };
    }

    it("hands back the saved record on the first consume", async () => {
      const hash = newHash();
      const saved = record();
      await store.save(hash, saved);
      expect(await store.consume(hash, "req-1")).toEqual({ kind: "consumed", record: saved });
    });

    it("round-trips a record without a user and with unusual characters", async () => {
      const hash = newHash();
      const saved = record({ userId: null, externalUserId: "ünïcode {tag} : with spaces" });
      await store.save(hash, saved);
      expect(await store.consume(hash, "req-1")).toEqual({ kind: "consumed", record: saved });
    });

    it("starts a code saved again under its hash afresh: unspent, and nothing of the old record kept", async () => {
      const hash = newHash();
      await store.save(hash, record());
      await store.consume(hash, "req-1");
      const again = record({ userId: null, externalUserId: "someone-else" });
      await store.save(hash, again);
      expect(await store.consume(hash, "req-2")).toEqual({ kind: "consumed", record: again });
    });

    it("answers a second consume with the same request id as a retry, with the record", async () => {
      const hash = newHash();
      const saved = record();
      await store.save(hash, saved);
      await store.consume(hash, "req-1");
      expect(await store.consume(hash, "req-1")).toEqual({ kind: "retry", record: saved });
      expect(await store.consume(hash, "req-1")).toEqual({ kind: "retry", record: saved });
    });

    it("answers a consume by another request as already_used", async () => {
      const hash = newHash();
      await store.save(hash, record());
      await store.consume(hash, "req-1");
      expect(await store.consume(hash, "req-2")).toEqual({ kind: "already_used" });
      // The loser does not take the code over: the first request still retries.
      expect((await store.consume(hash, "req-1")).kind).toBe("retry");
    });

    it("does not know a code that was never saved", async () => {
      expect(await store.consume(newHash(), "req-1")).toEqual({ kind: "not_found" });
    });

    it("keeps codes apart", async () => {
      const [a, b] = [newHash(), newHash()];
      await store.save(a, record({ externalUserId: "a" }));
      await store.save(b, record({ externalUserId: "b" }));
      await store.consume(a, "req-1");
      const result = await store.consume(b, "req-2");
      expect(result.kind).toBe("consumed");
      expect(result.kind === "consumed" && result.record.externalUserId).toBe("b");
    });

    it("forgets codes, spent or not, once they expire in real time", async () => {
      const [spent, fresh] = [newHash(), newHash()];
      const expiresAt = new Date(clock.now().getTime() + 150);
      await store.save(spent, record({ expiresAt }));
      await store.save(fresh, record({ expiresAt }));
      expect((await store.consume(spent, "req-1")).kind).toBe("consumed");
      await sleep(300);
      expect(await store.consume(fresh, "req-2")).toEqual({ kind: "not_found" });
      expect(await store.consume(spent, "req-1")).toEqual({ kind: "not_found" });
    });

    it("treats a code as expired from the clock's expiresAt on, whatever the TTL", async () => {
      const t0 = clock.now();
      clock.freeze(t0);
      const [before, at] = [newHash(), newHash()];
      const expiresAt = new Date(t0.getTime() + 60_000);
      await store.save(before, record({ issuedAt: t0, expiresAt }));
      await store.save(at, record({ issuedAt: t0, expiresAt }));
      clock.freeze(new Date(expiresAt.getTime() - 1));
      expect((await store.consume(before, "req-1")).kind).toBe("consumed");
      clock.freeze(expiresAt);
      expect(await store.consume(at, "req-1")).toEqual({ kind: "not_found" });
      expect(await store.consume(before, "req-1")).toEqual({ kind: "not_found" });
    });

    it("does not keep a record that has already expired when saved", async () => {
      const hash = newHash();
      const now = clock.now();
      await store.save(hash, record({ issuedAt: new Date(now.getTime() - 2000), expiresAt: now }));
      expect(await store.consume(hash, "req-1")).toEqual({ kind: "not_found" });
    });

    it("lets exactly one of 50 concurrent consumes win", async () => {
      const hash = newHash();
      await store.save(hash, record());
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.consume(hash, `req-${i}`)),
      );
      const kinds = results.map((r) => r.kind);
      expect(kinds.filter((k) => k === "consumed")).toHaveLength(1);
      expect(kinds.filter((k) => k === "already_used")).toHaveLength(49);
      const winner = kinds.indexOf("consumed");
      expect((await store.consume(hash, `req-${winner}`)).kind).toBe("retry");
    });

    describe("revocation", () => {
      const app = "0190a1b2-0000-7000-8000-000000000001";
      const other = "0190a1b2-0000-7000-8000-000000000002";

      it("covers codes issued before and at the mark, not after", async () => {
        const at = new Date(clock.now().getTime() - 10_000);
        await store.revokeIssuedUpTo(app, "ext-1", at, 60_000);
        expect(await store.isRevoked(app, "ext-1", new Date(at.getTime() - 1))).toBe(true);
        expect(await store.isRevoked(app, "ext-1", at)).toBe(true);
        expect(await store.isRevoked(app, "ext-1", new Date(at.getTime() + 1))).toBe(false);
      });

      it("leaves other external ids and other apps alone", async () => {
        const at = clock.now();
        await store.revokeIssuedUpTo(app, "ext-1", at, 60_000);
        expect(await store.isRevoked(app, "ext-2", at)).toBe(false);
        expect(await store.isRevoked(other, "ext-1", at)).toBe(false);
      });

      it("reports nothing revoked when nothing was", async () => {
        expect(await store.isRevoked(app, "never-revoked", clock.now())).toBe(false);
      });

      it("never moves the mark back", async () => {
        const later = clock.now();
        const earlier = new Date(later.getTime() - 5_000);
        await store.revokeIssuedUpTo(app, "ext-1", later, 60_000);
        await store.revokeIssuedUpTo(app, "ext-1", earlier, 60_000);
        expect(await store.isRevoked(app, "ext-1", later)).toBe(true);
        expect(await store.isRevoked(app, "ext-1", new Date(later.getTime() + 1))).toBe(false);
      });

      it("moves the mark forward", async () => {
        const earlier = clock.now();
        const later = new Date(earlier.getTime() + 5_000);
        await store.revokeIssuedUpTo(app, "ext-1", earlier, 60_000);
        await store.revokeIssuedUpTo(app, "ext-1", later, 60_000);
        expect(await store.isRevoked(app, "ext-1", later)).toBe(true);
      });

      it("is forgotten after the horizon", async () => {
        const at = clock.now();
        await store.revokeIssuedUpTo(app, "ext-1", at, 150);
        expect(await store.isRevoked(app, "ext-1", at)).toBe(true);
        await sleep(300);
        expect(await store.isRevoked(app, "ext-1", at)).toBe(false);
      });

      it("is not shortened by a later revocation with a shorter horizon", async () => {
        const at = clock.now();
        await store.revokeIssuedUpTo(app, "ext-1", at, 60_000);
        await store.revokeIssuedUpTo(app, "ext-1", at, 100);
        await sleep(250);
        expect(await store.isRevoked(app, "ext-1", at)).toBe(true);
      });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
