import type { Cluster, Redis } from "ioredis";
import type { ApiKeyCache, CacheInvalidation, KeyWithApp } from "../../ports/api-key-cache.js";
import { TtlApiKeyCache, type TtlApiKeyCacheOptions } from "../memory/ttl-api-key-cache.js";
import { closeRedisClient, whenRedisReady } from "./redis-client.js";
import { withRedisErrors } from "./redis-errors.js";
import { createSubscriberConnection } from "./redis-subscriber.js";

export interface RedisApiKeyCacheOptions extends Pick<TtlApiKeyCacheOptions, "ttlMs" | "maxEntries"> {
  /** Prepended to the channel name, as to every key. */
  readonly keyPrefix: string;
  /** Told about failed publishes, undecodable messages and failed re-subscriptions. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The API-key cache of one instance among several: every change is published on a Redis
 * channel that each instance subscribes to, and each answer lives at most `ttlMs` (2 s)
 * for the messages that never arrive (a publish that failed, a partition).
 *
 * Answers are kept only while the subscription is up: from the moment the subscriber
 * connection drops until it has subscribed again, every call reads Postgres, since
 * messages published in that gap are lost.
 */
export class RedisApiKeyCache implements ApiKeyCache {
  readonly #publisher: Redis | Cluster;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #onError: (error: unknown) => void;
  readonly #local: TtlApiKeyCache;
  #closed = false;

  private constructor(publisher: Redis | Cluster, subscriber: Redis, options: RedisApiKeyCacheOptions) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = `${options.keyPrefix}api-key-cache`;
    this.#onError = options.onError ?? (() => {});
    this.#local = new TtlApiKeyCache({ ...options, enabled: false });
  }

  /** A cache on a subscriber connection of its own; `publisher` stays its owner's. */
  static async create(
    publisher: Redis | Cluster,
    options: RedisApiKeyCacheOptions,
  ): Promise<RedisApiKeyCache> {
    const subscriber = createSubscriberConnection(
      publisher,
      `userlink-api-key-cache:${options.keyPrefix}`.replace(/\s/g, "_"),
    );
    const cache = new RedisApiKeyCache(publisher, subscriber, options);
    try {
      await cache.#start();
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    return cache;
  }

  /** Entries kept now (for tests and metrics). */
  get size(): number {
    return this.#local.size;
  }

  lookup(keyId: string, load: () => Promise<KeyWithApp | null>): Promise<KeyWithApp | null> {
    return this.#local.lookup(keyId, load);
  }

  noteUsed(keyId: string, at: Date): void {
    this.#local.noteUsed(keyId, at);
  }

  async invalidate(change: CacheInvalidation): Promise<void> {
    this.#local.forget(change);
    const message = encode(change);
    if (message === null) return;
    try {
      await withRedisErrors("api key cache publish", () => this.#publisher.publish(this.#channel, message));
    } catch (error) {
      // The change is committed; the other instances drop their answer within the TTL.
      this.#onError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#local.setEnabled(false);
    await closeRedisClient(this.#subscriber);
  }

  async #start(): Promise<void> {
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.#channel) this.#receive(message);
    });
    // Whatever is published while the connection is down never arrives.
    this.#subscriber.on("close", () => this.#local.setEnabled(false));
    await whenRedisReady(this.#subscriber);
    await withRedisErrors("api key cache subscribe", () => this.#subscriber.subscribe(this.#channel));
    this.#local.setEnabled(true);
    this.#subscriber.on("ready", () => {
      if (this.#closed) return;
      this.#subscriber.subscribe(this.#channel).then(() => {
        if (!this.#closed && this.#subscriber.status === "ready") this.#local.setEnabled(true);
      }, this.#onError);
    });
  }

  #receive(message: string): void {
    const change = decode(message);
    if (change === null) {
      // Anyone who can PUBLISH can send anything; forgetting everything is always safe.
      this.#local.clear();
      this.#onError(new Error("undecodable api key cache message"));
      return;
    }
    this.#local.forget(change);
  }
}

function encode(change: CacheInvalidation): string | null {
  const k = change.keyIds ?? [];
  const a = change.appIds ?? [];
  if (k.length === 0 && a.length === 0) return null;
  return JSON.stringify({ k, a });
}

function decode(message: string): CacheInvalidation | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { k, a } = parsed as { k?: unknown; a?: unknown };
  if (!isStringArray(k) || !isStringArray(a)) return null;
  return { keyIds: k, appIds: a };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
