import { Redis, type Cluster } from "ioredis";
import { reconnectDelay } from "./redis-client.js";

/**
 * A connection for SUBSCRIBE beside `client`, which stays free for other commands (a
 * subscribed connection can do nothing else). It reconnects forever with capped
 * backoff and does not re-subscribe by itself: its owner does that on every 'ready',
 * so it knows when messages may have been missed.
 *
 * On a Redis Cluster it is a plain connection to one node: classic PUBLISH reaches the
 * subscribers of every node, so one node is enough. Each reconnect moves it on to the
 * next node the cluster client knows, so a node that is gone for good (failed over,
 * scaled in) does not take the subscription with it. Not a `Cluster#duplicate()`:
 * ioredis' cluster subscriber re-subscribes by itself without telling anyone (so open
 * streams would never learn that they missed events) and drops the subscription for
 * good when that re-subscribe fails.
 */
export function createSubscriberConnection(client: Redis | Cluster, connectionName: string): Redis {
  const subscriber =
    client instanceof Redis
      ? duplicateStandalone(client, connectionName)
      : onClusterNode(client, connectionName);
  // Neither duplicate() nor a new client has listeners; an unheard 'error' event would crash the process.
  subscriber.on("error", () => {});
  return subscriber;
}

function duplicateStandalone(client: Redis, connectionName: string): Redis {
  return client.duplicate({ autoResubscribe: false, connectionName });
}

function onClusterNode(cluster: Cluster, connectionName: string): Redis {
  const nodes = knownNodes(cluster);
  // A random first node, so the instances' subscriptions spread over the cluster.
  let next = Math.floor(Math.random() * nodes.length);
  const first = nodes[next++];
  if (first === undefined) throw new Error("the Redis Cluster client knows no node yet");
  const subscriber: Redis = new Redis({
    ...cluster.options.redisOptions,
    host: first.host,
    port: first.port,
    connectionName,
    autoResubscribe: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => {
      // The cluster's current view, so nodes added since the start are candidates too.
      const candidates = knownNodes(cluster);
      const node = candidates.length === 0 ? null : candidates[next++ % candidates.length];
      // ioredis reads host and port from its options on every connect.
      if (node) Object.assign(subscriber.options, { host: node.host, port: node.port });
      return reconnectDelay(attempt);
    },
  });
  return subscriber;
}

/** Every node (primaries and replicas: all of them deliver PUBLISH), in a stable order. */
function knownNodes(cluster: Cluster): { host: string; port: number }[] {
  return cluster
    .nodes("all")
    .map((node) => ({ host: node.options.host ?? "127.0.0.1", port: node.options.port ?? 6379 }))
    .sort((a, b) => `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`));
}
