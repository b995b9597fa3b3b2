import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { AuthCodeRecord, AuthCodeStore, ConsumeResult } from "../../ports/auth-code-store.js";
import type { Clock } from "../../ports/clock.js";
import { defineAuthCodeScripts, type AuthCodeScripts } from "./auth-code-scripts.js";
import { closeRedisClient } from "./redis-client.js";
import { withRedisErrors } from "./redis-errors.js";

export interface RedisAuthCodeStoreOptions {
  /** Prepended to every key, e.g. `userlink:`; lets several deployments share a Redis. */
  readonly keyPrefix: string;
  readonly clock: Clock;
}

/**
 * Codes as Redis hashes that expire with the code. The braces in the keys are hash
 * tags: whatever a key names in braces decides its Redis Cluster slot.
 */
export class RedisAuthCodeStore implements AuthCodeStore {
  readonly #redis: Redis | Cluster;
  readonly #scripts: AuthCodeScripts;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(redis: Redis | Cluster, options: RedisAuthCodeStoreOptions) {
    this.#redis = redis;
    this.#scripts = defineAuthCodeScripts(redis);
    this.#prefix = options.keyPrefix;
    this.#clock = options.clock;
  }

  async save(codeHash: string, record: AuthCodeRecord): Promise<void> {
    const ttlMs = Math.ceil(record.expiresAt.getTime() - this.#clock.now().getTime());
    // Already expired: storing it would only let the TTL race the expiry check.
    if (ttlMs <= 0) return;
    const fields = [
      "appId",
      record.appId,
      "externalUserId",
      record.externalUserId,
      "issuedAt",
      String(record.issuedAt.getTime()),
      "expiresAt",
      String(record.expiresAt.getTime()),
    ];
    // A missing field, not "", means "no user": no id can be confused with it.
    if (record.userId !== null) fields.push("userId", record.userId);
    await withRedisErrors("auth code save", () =>
      this.#scripts.userlinkSaveAuthCode(this.#codeKey(codeHash), String(ttlMs), ...fields),
    );
  }

  async consume(codeHash: string, requestId: string): Promise<ConsumeResult> {
    const now = String(this.#clock.now().getTime());
    const reply = await withRedisErrors("auth code consume", () =>
      this.#scripts.userlinkConsumeAuthCode(this.#codeKey(codeHash), requestId, now),
    );
    const [kind, appId, externalUserId, userId, issuedAt, expiresAt] = reply;
    if (kind === "consumed" || kind === "retry") {
      const record: AuthCodeRecord = {
        appId: appId ?? "",
        externalUserId: externalUserId ?? "",
        userId: userId ? userId : null,
        issuedAt: new Date(Number(issuedAt)),
        expiresAt: new Date(Number(expiresAt)),
      };
      return { kind, record };
    }
    if (kind === "already_used") return { kind };
    return { kind: "not_found" };
  }

  async revokeIssuedUpTo(appId: string, externalUserId: string, at: Date, horizonMs: number): Promise<void> {
    const key = this.#revokedKey(appId, externalUserId);
    // PX needs a positive integer; a zero horizon still records the mark briefly.
    const horizon = String(Math.max(1, Math.ceil(horizonMs)));
    await withRedisErrors("auth code revoke", () =>
      this.#scripts.userlinkRevokeAuthCodesUpTo(key, String(at.getTime()), horizon),
    );
  }

  async isRevoked(appId: string, externalUserId: string, issuedAt: Date): Promise<boolean> {
    const key = this.#revokedKey(appId, externalUserId);
    const mark = await withRedisErrors("auth code revocation check", () => this.#redis.get(key));
    return mark !== null && issuedAt.getTime() <= Number(mark);
  }

  async ping(): Promise<void> {
    await withRedisErrors("ping", () => this.#redis.ping());
  }

  /** Whether the connection can take commands now (for metrics). */
  connectionReady(): boolean {
    return this.#redis.status === "ready";
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#redis);
  }

  #codeKey(codeHash: string): string {
    return `${this.#prefix}code:{${codeHash}}`;
  }

  /** External ids are customer data: hashed, so they never appear in key listings. */
  #revokedKey(appId: string, externalUserId: string): string {
    const digest = createHash("sha256").update(externalUserId, "utf8").digest("hex");
    return `${this.#prefix}revoked:{${appId}}:${digest}`;
  }
}
