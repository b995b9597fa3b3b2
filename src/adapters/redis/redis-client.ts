import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { AppError } from "../../domain/errors.js";

export interface RedisClientOptions {
  /** How long one connection attempt may take. Default 1000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one command may wait for its reply. Default 1000 ms. */
  readonly commandTimeoutMs?: number;
  /** Told about every connection error; the client keeps reconnecting regardless. */
  readonly onError?: (error: Error) => void;
  /** Shown in CLIENT LIST, to tell this service's connections apart. */
  readonly connectionName?: string;
}

const MAX_BACKOFF_MS = 2_000;

/** Capped exponential backoff, shared by every connection this service makes. */
export const reconnectDelay = (attempt: number): number =>
  Math.min(50 * 2 ** Math.min(attempt, 6), MAX_BACKOFF_MS);

/**
 * A client that fails fast instead of queueing: with Redis down, a call is rejected at
 * once (and becomes DEPENDENCY_UNAVAILABLE) rather than piling up behind a reconnect,
 * while the client itself keeps reconnecting forever with capped backoff.
 */
export function createRedisClient(url: string, opts: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    connectTimeout: opts.connectTimeoutMs ?? 1_000,
    commandTimeout: opts.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    ...(opts.connectionName === undefined ? {} : { connectionName: opts.connectionName }),
  });
  // Without a listener, an 'error' event (every failed reconnect) would crash the process.
  client.on("error", opts.onError ?? (() => {}));
  return client;
}

/**
 * A Redis Cluster client with the same fail-fast behaviour as `createRedisClient`:
 * no offline queue (a call while the cluster is unreachable is rejected at once), a
 * timeout on every command, and reconnection forever with capped backoff.
 *
 * `seedUrls` are `redis://` or `rediss://` URLs of one or more nodes; the client learns
 * the rest of the cluster from them. Credentials and TLS come from the first URL (the
 * configuration checks that all of them agree).
 */
export function createRedisClusterClient(
  seedUrls: readonly string[],
  opts: RedisClientOptions = {},
): Cluster {
  const seeds = seedUrls.map((text) => new URL(text));
  const first = seeds[0];
  if (first === undefined) throw new Error("a Redis Cluster needs at least one seed node");
  const tls = first.protocol === "rediss:";
  const connectTimeout = opts.connectTimeoutMs ?? 1_000;
  const redisOptions: ClusterOptions["redisOptions"] = {
    connectTimeout,
    commandTimeout: opts.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    ...credentials(first),
    ...(tls ? { tls: {} } : {}),
    ...(opts.connectionName === undefined ? {} : { connectionName: opts.connectionName }),
  };
  const client = new Cluster(
    seeds.map((url) => ({ host: hostOf(url), port: url.port === "" ? 6379 : Number(url.port) })),
    {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: connectTimeout,
      redisOptions,
      // With TLS, connect by the names in the URLs so certificates are checked against
      // them, not against the addresses they resolve to.
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    },
  );
  client.on("error", opts.onError ?? (() => {}));
  // One node's trouble; the cluster client routes around it and refreshes its slots.
  client.on("node error", (error: Error) => opts.onError?.(error));
  return client;
}

function credentials(url: URL): Pick<RedisOptions, "username" | "password"> {
  return {
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/** `new URL` keeps the brackets of an IPv6 host; sockets want it without. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/**
 * Resolves once `client` can take commands. Needed because, with the offline queue off,
 * a command sent while the first connection is still being made fails.
 */
export function whenRedisReady(client: Redis | Cluster, timeoutMs = 5_000): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("end", onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new AppError("DEPENDENCY_UNAVAILABLE", "redis connection ended"));
    const timer = setTimeout(
      () => done(new AppError("DEPENDENCY_UNAVAILABLE", `redis not ready after ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on("ready", onReady);
    client.on("end", onEnd);
    if (client.status === "end") onEnd();
  });
}

/** QUIT, or drop the socket when Redis is unreachable, so closing never hangs. */
export async function closeRedisClient(client: Redis | Cluster): Promise<void> {
  if (client.status === "end") return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
