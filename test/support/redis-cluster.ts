import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis, type Cluster } from "ioredis";
import { createRedisClusterClient, whenRedisReady } from "../../src/adapters/redis/redis-client.js";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A throwaway three-node Redis Cluster (three primaries, no replicas) on loopback. */
export interface TestRedisCluster {
  /** The nodes' client ports. */
  readonly ports: readonly number[];
  /** One `redis://127.0.0.1:<port>` per node. */
  readonly seedUrls: readonly string[];
  /** What userlink takes as REDIS_URL with USERLINK_REDIS_CLUSTER=true. */
  readonly redisUrl: string;
  /** Kills one node for good (the others go on). */
  killNode(port: number): Promise<void>;
  /** Kills every node and removes their files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts three `redis-server --cluster-enabled yes` children on free ports, joins them
 * with `redis-cli --cluster create` and waits until every node says cluster_state:ok.
 * The children die with this process even when `stop` is never reached.
 */
export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "userlink-redis-cluster-"));
  // A client port and a cluster-bus port per node, all held at once so they differ.
  const free = await freePorts(6);
  const ports = free.slice(0, 3);
  const nodes = new Map<number, ChildProcess>();
  const killAll = (): void => {
    for (const child of nodes.values()) if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killAll);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const exits = [...nodes.values()].map(exited);
    killAll();
    await Promise.all(exits);
    process.off("exit", killAll);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    ports.forEach((port, i) => nodes.set(port, startNode(dir, port, free[3 + i]!)));
    await Promise.all(ports.map((port) => untilNode(port, nodes.get(port)!, (info) => info !== null)));
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      { timeout: 20_000 },
    );
    await Promise.all(
      ports.map((port) =>
        untilNode(port, nodes.get(port)!, (info) => info?.includes("cluster_state:ok") ?? false),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const seedUrls = ports.map((port) => `redis://127.0.0.1:${port}`);
  return {
    ports,
    seedUrls,
    redisUrl: seedUrls.join(","),
    killNode: async (port) => {
      const child = nodes.get(port);
      if (child === undefined || child.exitCode !== null) return;
      const exit = exited(child);
      child.kill("SIGKILL");
      await exit;
    },
    stop,
  };
}

/** A ready cluster client with the production settings (and a patient command timeout). */
export async function connectTestCluster(cluster: TestRedisCluster): Promise<Cluster> {
  const client = createRedisClusterClient(cluster.seedUrls, { commandTimeoutMs: 5_000 });
  await whenRedisReady(client);
  return client;
}

/** Deletes every key under `prefix` on every primary; returns how many there were. */
export async function deleteClusterKeysWithPrefix(client: Cluster, prefix: string): Promise<number> {
  const keys = await clusterKeysWithPrefix(client, prefix);
  // One key per command: keys of different slots cannot share one, even on one node.
  await Promise.all(keys.map((key) => client.unlink(key)));
  return keys.length;
}

/** Every key under `prefix`, with the port of the primary holding it. */
export async function clusterKeysWithPrefix(client: Cluster, prefix: string): Promise<string[]> {
  const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  const keys: string[] = [];
  for (const node of client.nodes("master")) {
    let cursor = "0";
    do {
      const [next, batch] = await node.scan(cursor, "MATCH", match, "COUNT", 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0");
  }
  return keys;
}

function startNode(dir: string, port: number, busPort: number): ChildProcess {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--cluster-port",
      String(busPort),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--logfile",
      join(dir, `redis-${port}.log`),
      "--daemonize",
      "no",
    ],
    { stdio: "ignore" },
  );
  // A missing binary surfaces as an 'error' event; untilNode reports it.
  child.on("error", () => {});
  return child;
}

/** Polls CLUSTER INFO on one node until `ready` says yes; null while it does not answer. */
async function untilNode(
  port: number,
  child: ChildProcess,
  ready: (info: string | null) => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const probe = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    enableOfflineQueue: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  probe.on("error", () => {});
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode})`);
      }
      const info = await probe.cluster("INFO").then(String, () => null);
      if (ready(info)) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} not ready in ${timeoutMs} ms`);
      await sleep(50);
    }
  } finally {
    probe.disconnect();
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** `count` distinct ports that were free a moment ago. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
