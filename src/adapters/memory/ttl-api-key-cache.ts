import { performance } from "node:perf_hooks";
import type { ApiKeyCache, CacheInvalidation, KeyWithApp } from "../../ports/api-key-cache.js";

/** How long an answer is used: well inside rule 11's 5 s, even with every message lost. */
export const API_KEY_CACHE_TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;

export interface TtlApiKeyCacheOptions {
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  /** Starts disabled (answers are loaded but not kept) until `setEnabled(true)`. */
  readonly enabled?: boolean;
}

interface Entry {
  readonly value: KeyWithApp;
  readonly expiresAt: number;
}

/**
 * The answers of one instance, each for a short lifetime (monotonic clock). Concurrent
 * misses for one key share one load. A load that overlaps an invalidation is not kept:
 * it may have read the row from before the change.
 *
 * Alone it serves a single instance (the embedded database); the Redis cache wraps it
 * to hear of changes made through other instances.
 */
export class TtlApiKeyCache implements ApiKeyCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<KeyWithApp | null>>();
  /** Bumped by every invalidation, so loads that overlapped one are dropped. */
  #generation = 0;
  #enabled: boolean;

  constructor(options: TtlApiKeyCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? API_KEY_CACHE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.#enabled = options.enabled ?? true;
  }

  get size(): number {
    return this.#entries.size;
  }

  lookup(keyId: string, load: () => Promise<KeyWithApp | null>): Promise<KeyWithApp | null> {
    if (!this.#enabled) return load();
    const entry = this.#entries.get(keyId);
    if (entry !== undefined) {
      if (entry.expiresAt > performance.now()) return Promise.resolve(entry.value);
      this.#entries.delete(keyId);
    }
    const pending = this.#loading.get(keyId);
    if (pending !== undefined) return pending;
    const generation = this.#generation;
    const loaded = load().then(
      (value) => {
        if (this.#loading.get(keyId) === loaded) this.#loading.delete(keyId);
        if (value !== null && this.#enabled && generation === this.#generation) this.#remember(keyId, value);
        return value;
      },
      (error: unknown) => {
        if (this.#loading.get(keyId) === loaded) this.#loading.delete(keyId);
        throw error;
      },
    );
    this.#loading.set(keyId, loaded);
    return loaded;
  }

  noteUsed(keyId: string, at: Date): void {
    const entry = this.#entries.get(keyId);
    if (entry === undefined) return;
    const key = { ...entry.value.key, lastUsedAt: at };
    this.#entries.set(keyId, { value: { key, app: entry.value.app }, expiresAt: entry.expiresAt });
  }

  invalidate(change: CacheInvalidation): Promise<void> {
    this.forget(change);
    return Promise.resolve();
  }

  /** Drops the answers about these keys and apps, and every load under way. */
  forget(change: CacheInvalidation): void {
    this.#generation++;
    // A load under way may have read the row before the change: later callers load again.
    this.#loading.clear();
    for (const id of change.keyIds ?? []) this.#entries.delete(id);
    const apps = new Set(change.appIds ?? []);
    if (apps.size === 0) return;
    for (const [id, entry] of this.#entries) if (apps.has(entry.value.app.id)) this.#entries.delete(id);
  }

  /** Drops everything; answers are kept again only while enabled. */
  clear(): void {
    this.#generation++;
    this.#loading.clear();
    this.#entries.clear();
  }

  setEnabled(enabled: boolean): void {
    if (!enabled) this.clear();
    this.#enabled = enabled;
  }

  close(): Promise<void> {
    this.setEnabled(false);
    return Promise.resolve();
  }

  #remember(keyId: string, value: KeyWithApp): void {
    // Oldest first: a Map iterates in insertion order.
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(keyId, { value, expiresAt: performance.now() + this.#ttlMs });
  }
}
