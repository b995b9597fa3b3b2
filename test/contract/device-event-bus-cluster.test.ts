import { Redis, type Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeDeviceEvent } from "../../src/adapters/redis/device-event-codec.js";
import { closeRedisClient } from "../../src/adapters/redis/redis-client.js";
import { RedisDeviceEventBus } from "../../src/adapters/redis/redis-device-event-bus.js";
import { uniquePrefix } from "../support/redis.js";
import {
  connectTestCluster,
  startTestRedisCluster,
  type TestRedisCluster,
} from "../support/redis-cluster.js";
import {
  deviceState,
  describeDeviceEventBusContract,
  recorder,
  waitForCount,
} from "./device-event-bus.contract.js";

const APP = "0190a1b2-0000-7000-8000-000000000001";

/** Subscribers of `channel` on the whole cluster (each node counts only its own). */
async function subscribers(cluster: Cluster, channel: string): Promise<number> {
  const counts = await Promise.all(
    cluster.nodes("master").map(async (node) => Number((await node.pubsub("NUMSUB", channel))[1])),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** The node and client id of the connection named `name`, wherever it is. */
async function findConnection(cluster: Cluster, name: string): Promise<{ node: Redis; id: string } | null> {
  for (const node of cluster.nodes("master")) {
    const line = String(await node.client("LIST"))
      .split("\n")
      .find((l) => l.includes(` name=${name} `));
    const id = /\bid=(\d+)/.exec(line ?? "")?.[1];
    if (id !== undefined) return { node, id };
  }
  return null;
}

describe("on a three-node Redis Cluster", () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startTestRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describeDeviceEventBusContract("redis cluster", async () => {
    const prefix = uniquePrefix();
    const publishers = [await connectTestCluster(cluster), await connectTestCluster(cluster)];
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

  describe("RedisDeviceEventBus", () => {
    let prefix: string;
    let channel: string;
    let name: string;
    let publisher: Cluster;
    let errors: unknown[];
    let bus: RedisDeviceEventBus;

    beforeEach(async () => {
      prefix = uniquePrefix();
      channel = `${prefix}device-events`;
      name = `userlink-events:${prefix}`;
      errors = [];
      publisher = await connectTestCluster(cluster);
      bus = await RedisDeviceEventBus.create(publisher, {
        keyPrefix: prefix,
        onError: (e) => errors.push(e),
      });
    });
    afterEach(async () => {
      await bus.close();
      await closeRedisClient(publisher);
    });

    it("holds one subscription on one node, named after the prefix, however many streams listen", async () => {
      for (let i = 0; i < 100; i++) bus.subscribe(APP, `dev-${i}`, () => {});
      expect(await subscribers(publisher, channel)).toBe(1);
      expect(await findConnection(publisher, name)).not.toBeNull();
    });

    it("subscribes again after its connection is dropped, and says that events were missed", async () => {
      const got = recorder();
      let missed = 0;
      bus.subscribe(APP, "dev-a", got.listener);
      bus.onEventsMissed(() => missed++);
      const connection = await findConnection(publisher, name);
      expect(connection).not.toBeNull();
      await connection!.node.client("KILL", "ID", connection!.id);
      await vi.waitFor(() => expect(missed).toBe(1), { timeout: 5_000, interval: 20 });
      expect(await subscribers(publisher, channel)).toBe(1);
      await bus.publish([deviceState("dev-a")]);
      await waitForCount(got.events, 1);
      expect(got.events).toEqual([deviceState("dev-a")]);
      expect(errors).toEqual([]);
    });
  });
});

describe("RedisDeviceEventBus when its Redis Cluster node goes away", () => {
  // A cluster of its own: this test kills one of its nodes.
  let cluster: TestRedisCluster;
  let publisher: Cluster;
  let bus: RedisDeviceEventBus;
  beforeAll(async () => {
    cluster = await startTestRedisCluster();
    publisher = await connectTestCluster(cluster);
  });
  afterAll(async () => {
    await bus?.close();
    if (publisher) await closeRedisClient(publisher);
    await cluster?.stop();
  });

  it("moves its subscription to another node and says that events were missed", async () => {
    const prefix = uniquePrefix();
    const channel = `${prefix}device-events`;
    bus = await RedisDeviceEventBus.create(publisher, { keyPrefix: prefix });
    const got = recorder();
    let missed = 0;
    bus.subscribe(APP, "dev-a", got.listener);
    bus.onEventsMissed(() => missed++);

    const connection = await findConnection(publisher, `userlink-events:${prefix}`);
    expect(connection).not.toBeNull();
    const gone = connection!.node.options.port!;
    await cluster.killNode(gone);
    await vi.waitFor(() => expect(missed).toBeGreaterThanOrEqual(1), { timeout: 5_000, interval: 20 });

    // Published on a node that is still up: PUBLISH reaches every node's subscribers.
    const survivor = new Redis({ host: "127.0.0.1", port: cluster.ports.find((p) => p !== gone)! });
    try {
      await survivor.publish(channel, encodeDeviceEvent(deviceState("dev-a")));
      await waitForCount(got.events, 1);
      expect(got.events).toEqual([deviceState("dev-a")]);
    } finally {
      survivor.disconnect();
    }
  });
});
