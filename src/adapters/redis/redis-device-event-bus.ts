import type { Cluster, Redis } from "ioredis";
import type { DeviceEvent, DeviceEventBus, DeviceEventListener } from "../../ports/device-event-bus.js";
import { DeviceEventRouter } from "../memory/device-event-router.js";
import { decodeDeviceEvent, encodeDeviceEvent } from "./device-event-codec.js";
import { closeRedisClient, whenRedisReady } from "./redis-client.js";
import { withRedisErrors } from "./redis-errors.js";
import { createSubscriberConnection } from "./redis-subscriber.js";

export interface RedisDeviceEventBusOptions {
  /** Prepended to the channel name, as to every key. */
  readonly keyPrefix: string;
  /** Told about undecodable messages, throwing listeners and failed re-subscriptions. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Device events over one Redis pub/sub channel. Each instance subscribes once and fans
 * out locally, so ten thousand open streams cost one Redis subscription, not ten thousand.
 * On a Redis Cluster the channel is classic (not sharded) pub/sub, which every node
 * passes on to the subscribers of every other node.
 *
 * The publisher is borrowed (its owner closes it); the subscriber is owned and closed
 * here, since a subscribed connection can do nothing else.
 */
export class RedisDeviceEventBus implements DeviceEventBus {
  readonly #publisher: Redis | Cluster;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #onError: (error: unknown) => void;
  readonly #router: DeviceEventRouter;
  readonly #missedCallbacks = new Set<() => void>();
  #started = false;
  #closed = false;

  constructor(publisher: Redis | Cluster, subscriber: Redis, options: RedisDeviceEventBusOptions) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = `${options.keyPrefix}device-events`;
    this.#onError = options.onError ?? (() => {});
    this.#router = new DeviceEventRouter(this.#onError);
  }

  /** A started bus on a subscriber connection of its own beside `publisher`. */
  static async create(
    publisher: Redis | Cluster,
    options: RedisDeviceEventBusOptions,
  ): Promise<RedisDeviceEventBus> {
    // Our own resubscribe (see start) replaces ioredis', whose failure would go unhandled.
    const subscriber = createSubscriberConnection(
      publisher,
      // Named after the prefix, so an operator (or a test) can tell it apart in CLIENT LIST.
      `userlink-events:${options.keyPrefix}`.replace(/\s/g, "_"),
    );
    const bus = new RedisDeviceEventBus(publisher, subscriber, options);
    try {
      await bus.start();
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    return bus;
  }

  /** Subscribes to the channel; resolves once messages published from now on arrive. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.#channel) this.#receive(message);
    });
    await whenRedisReady(this.#subscriber);
    await withRedisErrors("device events subscribe", () => this.#subscriber.subscribe(this.#channel));
    // Every reconnect opens a fresh connection with no subscriptions: subscribe again,
    // then tell the listeners that whatever was published in the gap is gone.
    this.#subscriber.on("ready", () => {
      if (this.#closed) return;
      this.#subscriber.subscribe(this.#channel).then(() => this.#eventsMissed(), this.#onError);
    });
  }

  async publish(events: readonly DeviceEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.#publisher.pipeline();
    for (const event of events) pipeline.publish(this.#channel, encodeDeviceEvent(event));
    await withRedisErrors("device events publish", async () => {
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    });
  }

  subscribe(appId: string, deviceId: string, listener: DeviceEventListener): () => void {
    if (this.#closed) return () => {};
    return this.#router.add(appId, deviceId, listener);
  }

  onEventsMissed(callback: () => void): () => void {
    if (this.#closed) return () => {};
    // A wrapper per call, so the same function registered twice is called twice.
    const entry = () => callback();
    this.#missedCallbacks.add(entry);
    return () => this.#missedCallbacks.delete(entry);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#router.clear();
    this.#missedCallbacks.clear();
    await closeRedisClient(this.#subscriber);
  }

  #eventsMissed(): void {
    for (const callback of [...this.#missedCallbacks]) {
      try {
        callback();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #receive(message: string): void {
    let event: DeviceEvent;
    try {
      event = decodeDeviceEvent(message);
    } catch (error) {
      this.#onError(error);
      return;
    }
    this.#router.dispatch(event);
  }
}
