import { Redis, type Cluster } from "ioredis";
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
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_BACKOFF_MS),
    ...(opts.connectionName === undefined ? {} : { connectionName: opts.connectionName }),
  });
  // Without a listener, an 'error' event (every failed reconnect) would crash the process.
  client.on("error", opts.onError ?? (() => {}));
  return client;
}

/**
 * Resolves once `client` can take commands. Needed because, with the offline queue off,
 * a command sent while the first connection is still being made fails.
 */
export function whenRedisReady(client: Redis, timeoutMs = 5_000): Promise<void> {
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
