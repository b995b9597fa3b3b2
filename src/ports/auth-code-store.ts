/**
 * Short-lived, single-use authentication codes, kept under the hash of the code (the
 * code itself is never stored). Redis in production (adapters/redis), an in-process map
 * on the embedded default (adapters/memory); both pass test/contract/auth-code-store.
 */
export interface AuthCodeRecord {
  readonly appId: string;
  readonly externalUserId: string;
  /** The user the external id was linked to when the code was issued; null if none. */
  readonly userId: string | null;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export type ConsumeResult =
  /** First redemption: the code is now spent, remembered with `requestId`. */
  | { readonly kind: "consumed"; readonly record: AuthCodeRecord }
  /** Already spent by the same `requestId`: a retry of the same attempt (rule 1). */
  | { readonly kind: "retry"; readonly record: AuthCodeRecord }
  /** Already spent by another attempt. */
  | { readonly kind: "already_used" }
  /** Never issued, expired, or revoked. */
  | { readonly kind: "not_found" };

export interface AuthCodeStore {
  /** Stores a new code's record until `record.expiresAt`. */
  save(codeHash: string, record: AuthCodeRecord): Promise<void>;
  /**
   * Spends the code, atomically: of concurrent calls with one hash exactly one gets
   * `consumed`; later calls get `retry` (same requestId) or `already_used`. A spent
   * code is remembered until it would have expired.
   */
  consume(codeHash: string, requestId: string): Promise<ConsumeResult>;
  /**
   * Makes every code for (appId, externalUserId) issued at or before `at` invalid,
   * for as long as any such code could live (`horizonMs`).
   */
  revokeIssuedUpTo(appId: string, externalUserId: string, at: Date, horizonMs: number): Promise<void>;
  /** True when `revokeIssuedUpTo` covers a code of (appId, externalUserId) issued at `issuedAt`. */
  isRevoked(appId: string, externalUserId: string, issuedAt: Date): Promise<boolean>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
