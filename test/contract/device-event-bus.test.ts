import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryDeviceEventBus } from "../../src/adapters/memory/memory-device-event-bus.js";
import { closeRedisClient } from "../../src/adapters/redis/redis-client.js";
import { RedisDeviceEventBus } from "../../src/adapters/redis/redis-device-event-bus.js";
import { connectTestRedis, uniquePrefix } from "../support/redis.js";
import {
  deviceState,
  describeDeviceEventBusContract,
  recorder,
  waitForCount,
} from "./device-event-bus.contract.js";

describeDeviceEventBusContract("memory", async () => {
  const bus = new MemoryDeviceEventBus();
  return { buses: [bus, bus], cleanup: () => bus.close() };
});

describeDeviceEventBusContract("redis", async () => {
  const prefix = uniquePrefix();
  const publishers = [await connectTestRedis(), await connectTestRedis()];
  const buses = [
    await RedisDeviceEventBus.create(publishers[0]!, { keyPrefix: prefix }),
    await RedisDeviceEventBus.create(publishers[1]!, { keyPrefix: prefix }),
  ] as const;
  return {
    buses,
    cleanup: async () => {
      for (const bus of buses) await bus.close();
      for (const publisher of publishers) await closeRedisClient(publisher);
    },
  };
});

describe("RedisDeviceEventBus on Redis", () => {
  let prefix: string;
  let channel: string;
  let publisher: Redis;
  let subscriber: Redis;
  let subscriberName: string;
  let errors: unknown[];
  let bus: RedisDeviceEventBus;

  beforeEach(async () => {
    prefix = uniquePrefix();
    channel = `${prefix}device-events`;
    errors = [];
    publisher = await connectTestRedis();
    subscriberName = `test-sub-${randomBytes(4).toString("hex")}`;
    // As create() does: the bus, not ioredis, must re-subscribe after a reconnect.
    subscriber = publisher.duplicate({ autoResubscribe: false, connectionName: subscriberName });
    subscriber.on("error", () => {});
    bus = new RedisDeviceEventBus(publisher, subscriber, {
      keyPrefix: prefix,
      onError: (e) => errors.push(e),
    });
    await bus.start();
  });
  afterEach(async () => {
    await bus.close();
    await closeRedisClient(publisher);
  });

  it("holds one Redis subscription however many streams listen", async () => {
    for (let i = 0; i < 100; i++) bus.subscribe("app", `dev-${i}`, () => {});
    expect(await publisher.pubsub("NUMSUB", channel)).toEqual([channel, 1]);
  });

  it("ignores and reports messages it cannot read, then goes on", async () => {
    const got = recorder();
    bus.subscribe("0190a1b2-0000-7000-8000-000000000001", "dev-a", got.listener);
    await publisher.publish(channel, "not json");
    await publisher.publish(channel, JSON.stringify({ ...deviceState("dev-a"), state: "EXPLODED" }));
    await publisher.publish(channel, JSON.stringify({ kind: "device_state", deviceId: "dev-a" }));
    await bus.publish([deviceState("dev-a")]);
    await waitForCount(got.events, 1);
    expect(got.events).toEqual([deviceState("dev-a")]);
    expect(errors).toHaveLength(3);
  });

  it("subscribes again after the connection is dropped", async () => {
    const got = recorder();
    bus.subscribe("0190a1b2-0000-7000-8000-000000000001", "dev-a", got.listener);
    const list = String(await publisher.client("LIST"));
    const line = list.split("\n").find((l) => l.includes(` name=${subscriberName} `));
    const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
    expect(id).toBeDefined();
    const reconnected = new Promise((resolve) => subscriber.once("ready", resolve));
    await publisher.client("KILL", "ID", id!);
    expect(await publisher.pubsub("NUMSUB", channel)).toEqual([channel, 0]);
    await reconnected;
    // Subscribed again: Redis counts the subscription once more.
    await vi.waitFor(async () => expect(await publisher.pubsub("NUMSUB", channel)).toEqual([channel, 1]), {
      timeout: 5_000,
      interval: 20,
    });
    await bus.publish([deviceState("dev-a")]);
    await waitForCount(got.events, 1);
    expect(got.events).toEqual([deviceState("dev-a")]);
  });
});
