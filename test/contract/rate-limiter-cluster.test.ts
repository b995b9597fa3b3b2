import { afterAll, beforeAll } from "vitest";
import { closeRedisClient } from "../../src/adapters/redis/redis-client.js";
import { RedisRateLimiter } from "../../src/adapters/redis/redis-rate-limiter.js";
import { uniquePrefix } from "../support/redis.js";
import {
  connectTestCluster,
  deleteClusterKeysWithPrefix,
  startTestRedisCluster,
  type TestRedisCluster,
} from "../support/redis-cluster.js";
import { describeRateLimiterContract } from "./rate-limiter.contract.js";

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startTestRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describeRateLimiterContract("redis cluster", async () => {
  const prefix = uniquePrefix();
  const redis = await connectTestCluster(cluster);
  const limiter = new RedisRateLimiter(redis, { keyPrefix: prefix });
  return {
    limiter,
    cleanup: async () => {
      await deleteClusterKeysWithPrefix(redis, prefix);
      await limiter.close();
      await closeRedisClient(redis);
    },
  };
});
