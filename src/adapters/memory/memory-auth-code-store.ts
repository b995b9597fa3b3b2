import type { AuthCodeRecord, AuthCodeStore, ConsumeResult } from "../../ports/auth-code-store.js";
import type { Clock } from "../../ports/clock.js";

export interface MemoryAuthCodeStoreOptions {
  readonly clock: Clock;
  /** How often expired entries are dropped. Default one minute. */
  readonly sweepIntervalMs?: number;
}

interface CodeEntry {
  readonly record: AuthCodeRecord;
  consumedBy: string | null;
}

interface Revocation {
  upToMs: number;
  untilMs: number;
}

/**
 * Codes in a Map, for the embedded single-instance default. Every call runs to the end
 * without awaiting, which is what makes `consume` atomic here.
 */
export class MemoryAuthCodeStore implements AuthCodeStore {
  readonly #clock: Clock;
  readonly #codes = new Map<string, CodeEntry>();
  /** Keyed by app and external id; it never leaves the process, so no need to hash it. */
  readonly #revocations = new Map<string, Revocation>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryAuthCodeStoreOptions) {
    this.#clock = options.clock;
    // Expired codes nobody redeems would otherwise stay forever.
    this.#sweeper = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  async save(codeHash: string, record: AuthCodeRecord): Promise<void> {
    if (record.expiresAt.getTime() <= this.#nowMs()) return;
    this.#codes.set(codeHash, { record: { ...record }, consumedBy: null });
  }

  async consume(codeHash: string, requestId: string): Promise<ConsumeResult> {
    const entry = this.#codes.get(codeHash);
    if (!entry) return { kind: "not_found" };
    if (entry.record.expiresAt.getTime() <= this.#nowMs()) {
      this.#codes.delete(codeHash);
      return { kind: "not_found" };
    }
    if (entry.consumedBy === null) {
      entry.consumedBy = requestId;
      return { kind: "consumed", record: entry.record };
    }
    return entry.consumedBy === requestId
      ? { kind: "retry", record: entry.record }
      : { kind: "already_used" };
  }

  async revokeIssuedUpTo(appId: string, externalUserId: string, at: Date, horizonMs: number): Promise<void> {
    const key = revocationKey(appId, externalUserId);
    const untilMs = this.#nowMs() + Math.max(1, Math.ceil(horizonMs));
    const current = this.#live(key);
    // Never move the mark back nor shorten its life, as the Redis script does.
    this.#revocations.set(key, {
      upToMs: Math.max(current?.upToMs ?? -Infinity, at.getTime()),
      untilMs: Math.max(current?.untilMs ?? 0, untilMs),
    });
  }

  async isRevoked(appId: string, externalUserId: string, issuedAt: Date): Promise<boolean> {
    const revocation = this.#live(revocationKey(appId, externalUserId));
    return revocation !== undefined && issuedAt.getTime() <= revocation.upToMs;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#codes.clear();
    this.#revocations.clear();
  }

  #live(key: string): Revocation | undefined {
    const revocation = this.#revocations.get(key);
    if (revocation && revocation.untilMs <= this.#nowMs()) {
      this.#revocations.delete(key);
      return undefined;
    }
    return revocation;
  }

  #sweep(): void {
    const now = this.#nowMs();
    for (const [hash, entry] of this.#codes)
      if (entry.record.expiresAt.getTime() <= now) this.#codes.delete(hash);
    for (const [key, revocation] of this.#revocations)
      if (revocation.untilMs <= now) this.#revocations.delete(key);
  }

  #nowMs(): number {
    return this.#clock.now().getTime();
  }
}

function revocationKey(appId: string, externalUserId: string): string {
  // JSON keeps the pair unambiguous whatever characters the ids contain.
  return JSON.stringify([appId, externalUserId]);
}
