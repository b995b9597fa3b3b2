import type { ApiKey, App } from "../domain/model.js";

/** What authenticating a LinkService call needs: the key row (secret hash included) and its app. */
export interface KeyWithApp {
  readonly key: ApiKey;
  readonly app: App;
}

/**
 * Recent answers of the API-key lookup, so that a busy backend's calls do not each pay a
 * Postgres round trip for the same row. Only the lookup is cached: the caller still
 * compares the secret's hash, the revocation and the expiry on every call.
 *
 * Rule 11 allows a revocation 5 s to reach every instance. An implementation must keep
 * every answer well inside that even when its invalidation messages are lost: it tells
 * the other instances on every change and forgets each answer after a short lifetime.
 */
export interface ApiKeyCache {
  /** A fresh cached answer, or `load()`'s (remembered when a key was found). */
  lookup(keyId: string, load: () => Promise<KeyWithApp | null>): Promise<KeyWithApp | null>;
  /** The store recorded a use of the key at `at`: the cached row says so too. */
  noteUsed(keyId: string, at: Date): void;
  /**
   * Forgets what is cached about these keys and apps, here at once and on every other
   * instance as soon as they hear of it. Call it after the change is committed; it
   * never throws (a lost message is bounded by the lifetime of an answer).
   */
  invalidate(change: CacheInvalidation): Promise<void>;
  close(): Promise<void>;
}

export interface CacheInvalidation {
  readonly keyIds?: readonly string[];
  readonly appIds?: readonly string[];
}
