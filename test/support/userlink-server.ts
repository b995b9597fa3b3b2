import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createChannel, createClientFactory, Metadata, type Channel, type Client } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, beforeAll } from "vitest";
import { loadConfig, type Config } from "../../src/config.js";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { startUserlink, type RunningUserlink, type StartOptions } from "../../src/main.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { testRedisUrl, uniquePrefix } from "./redis.js";

/** "real": a new Postgres database and a Redis key prefix; "embedded": PGlite + memory. */
export type Backend = "real" | "embedded";

export const BACKENDS: readonly Backend[] = ["real", "embedded"];

/** What a test needs to reach one backend's storage directly, to look at what was written. */
export interface Storage {
  readonly backend: Backend;
  /** Postgres URL (real) or PGlite data folder (embedded). */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly redisKeyPrefix: string;
  readonly adminToken: string;
}

/** The storage for one test file; instances started on it share it. */
export async function createStorage(backend: Backend): Promise<Storage & { destroy(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "userlink-test-"));
  let db: TestDatabase | null = null;
  if (backend === "real") db = await createTestDatabase();
  return {
    backend,
    databaseUrl: db?.url ?? null,
    dataDir,
    redisKeyPrefix: uniquePrefix(),
    adminToken: `test-admin-${randomBytes(24).toString("base64url")}`,
    destroy: async () => {
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function configFor(storage: Storage, env: Record<string, string> = {}): Config {
  return loadConfig({
    ...(storage.databaseUrl === null ? {} : { DATABASE_URL: storage.databaseUrl, REDIS_URL: testRedisUrl() }),
    USERLINK_ADMIN_TOKEN: storage.adminToken,
    USERLINK_HOST: "127.0.0.1",
    USERLINK_GRPC_PORT: "0",
    USERLINK_GRPCWEB_PORT: "0",
    USERLINK_OPS_PORT: "0",
    USERLINK_DATA_DIR: storage.dataDir,
    USERLINK_REDIS_KEY_PREFIX: storage.redisKeyPrefix,
    USERLINK_LOG_LEVEL: "silent",
    // Every test instance sees all its calls from 127.0.0.1; the rate-limit tests set
    // their own low limits, the rest must not trip over the production default.
    USERLINK_RATE_CREATE_USER_FAILURES_MAX: "1000",
    ...env,
  });
}

export type LinkClient = Client<typeof LinkServiceDefinition>;
export type DeviceClient = Client<typeof DeviceServiceDefinition>;
export type AdminClient = Client<typeof AdminServiceDefinition>;

/** A running instance and clients for it that decode rich error details. */
export interface TestInstance {
  readonly running: RunningUserlink;
  readonly address: string;
  /** Base URL of the instance's gRPC-Web endpoint, `http://127.0.0.1:<port>`. */
  readonly grpcWebUrl: string;
  readonly admin: AdminClient;
  /** LinkService with `authorization: Bearer <apiKey>`. */
  link(apiKey: string): LinkClient;
  /** DeviceService, with the access token when one is given. */
  device(accessToken?: string): DeviceClient;
  /** A client of any definition with any metadata, for odd cases. */
  raw(): Channel;
  stop(): Promise<void>;
}

export async function startInstance(
  storage: Storage,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestInstance> {
  const running = await startUserlink(configFor(storage, env), options);
  const address = `127.0.0.1:${running.grpcPort}`;
  const channel = createChannel(address);
  const factory = createClientFactory().use(errorDetailsClientMiddleware);
  const bearer = (token: string) => ({ "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } });
  return {
    running,
    address,
    grpcWebUrl: `${env.USERLINK_TLS_CERT_FILE ? "https" : "http"}://127.0.0.1:${running.grpcWebPort}`,
    admin: factory.create(AdminServiceDefinition, channel, bearer(storage.adminToken)),
    link: (apiKey) => factory.create(LinkServiceDefinition, channel, bearer(apiKey)),
    device: (accessToken) =>
      factory.create(DeviceServiceDefinition, channel, accessToken === undefined ? {} : bearer(accessToken)),
    raw: () => channel,
    stop: async () => {
      channel.close();
      await running.close();
    },
  };
}

export type OwnedStorage = Storage & { destroy(): Promise<void> };

/**
 * For a describe block: fresh storage of `backend` and one instance on it, started
 * before the block's tests (then `ready` runs, to seed what they share) and stopped
 * and thrown away after them.
 */
export function useInstance(
  backend: Backend,
  ready: (started: { storage: OwnedStorage; server: TestInstance }) => void | Promise<void>,
): void {
  let storage: OwnedStorage | undefined;
  let server: TestInstance | undefined;
  beforeAll(async () => {
    storage = await createStorage(backend);
    server = await startInstance(storage);
    await ready({ storage, server });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });
}
