import type { ApiKey, App } from "../domain/model.js";
import type { PageQuery } from "./page-query.js";

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  /** The key, or null when there is none with that id. */
  findById(id: string): Promise<ApiKey | null>;
  /** The key and its app in one lookup (what authenticating a call needs), or null. */
  findByIdWithApp(id: string): Promise<{ key: ApiKey; app: App } | null>;
  /** The app's keys, newest first (descending id order), after `afterId` if given. */
  listByApp(appId: string, page: PageQuery): Promise<ApiKey[]>;
  /**
   * How many of the app's keys are usable at `now` (not revoked, not expired) and not
   * rotated out (replacedByKeyId null).
   */
  countActive(appId: string, now: Date): Promise<number>;
  /**
   * Serializes key creation for one app (Postgres: locks the app row until the
   * transaction ends). Returns false when the app does not exist.
   */
  lockApp(appId: string): Promise<boolean>;
  /** Sets revokedAt = at unless already revoked. Returns the key, or null if unknown. */
  revoke(id: string, at: Date): Promise<ApiKey | null>;
  /**
   * Marks a key as rotated: replacedByKeyId and an expiry moved to `expiresAt`
   * (never later than the current one). Returns the key, or null if unknown.
   */
  markRotated(id: string, replacedByKeyId: string, expiresAt: Date): Promise<ApiKey | null>;
  /** Records a use, only when the stored lastUsedAt is older than `notAfter`. */
  touchLastUsed(id: string, at: Date, notAfter: Date): Promise<void>;
}
