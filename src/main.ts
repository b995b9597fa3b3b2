import { pino, type Logger as Pino } from "pino";
import { withApiKeyCache } from "./adapters/caching/api-key-caching-store.js";
import { openCodesAndEvents, redisReady } from "./adapters/open-codes-and-events.js";
import { openStore } from "./adapters/open-store.js";
import { withBatchedLookups } from "./adapters/postgres/batched-lookups-store.js";
import type { Config } from "./config.js";
import { loadOrCreateAdminToken } from "./embedded-admin-token.js";
import { acquireEmbeddedLock } from "./embedded-lock.js";
import { listenOrExplain } from "./startup-error.js";
import { systemClock, type Clock } from "./ports/clock.js";
import { AdminAuthenticator } from "./services/admin-authenticator.js";
import { AdminService } from "./services/admin.service.js";
import { ApiKeyAuthenticator } from "./services/api-key-authenticator.js";
import { CreateUserUseCase } from "./services/create-user.use-case.js";
import { DeviceAuthenticator } from "./services/device-authenticator.js";
import { DeviceService } from "./services/device.service.js";
import { Janitor, type JanitorPass } from "./services/janitor.service.js";
import { LinkService } from "./services/link.service.js";
import { RateLimits } from "./services/rate-limits.js";
import type { ServiceDeps } from "./services/service-deps.js";
import { WatchDeviceUseCase } from "./services/watch-device.use-case.js";
import { routeGrpcJsLogs } from "./transport/grpc/grpc-js-logger.js";
import { buildGrpcServer } from "./transport/grpc/grpc-server.js";
import { serverCredentials } from "./transport/grpc/server-credentials.js";
import { loadTlsMaterial } from "./transport/tls-material.js";
import { UserlinkMetrics } from "./transport/ops/metrics.js";
import { createOpsServer, listenOps } from "./transport/ops/ops-server.js";
import { startGrpcWebServer } from "./transport/grpc-web/grpc-web-server.js";
import { startTelemetry, type TelemetryOptions } from "./telemetry/telemetry.js";
import { createConsoleHandler } from "./transport/console/console-handler.js";

export interface RunningUserlink {
  /** `host:port` the gRPC server listens on (the real port when 0 was asked for). */
  readonly grpcAddress: string;
  readonly grpcPort: number;
  /** The port gRPC-Web listens on, in front of the gRPC server (the real port when 0 was asked for). */
  readonly grpcWebPort: number;
  /** The ops HTTP port: /metrics, /healthz, /readyz. */
  readonly opsPort: number;
  /** True when running on PGlite and in-process codes: one instance only. */
  readonly embedded: boolean;
  readonly adminToken: string;
  /** Set when this start generated the embedded admin token. */
  readonly adminTokenCreated: boolean;
  readonly log: Pino;
  /** Stops accepting calls, ends in-flight ones, closes the pools. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a pino logger at config.logLevel on stdout. */
  readonly log?: Pino;
  /** Defaults to the system clock; tests move time with their own. */
  readonly clock?: Clock;
  /** OpenTelemetry: started when the `OTEL_*` variables ask for it (see src/telemetry). */
  readonly telemetry?: TelemetryOptions;
}

/**
 * The composition root: picks the adapters the configuration asks for (Postgres or the
 * embedded PGlite; Redis or the in-process stand-ins), wires the services and serves
 * them over gRPC. Nothing else in the code base knows which adapters run.
 */
export async function startUserlink(config: Config, options: StartOptions = {}): Promise<RunningUserlink> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: "userlink" } });
  routeGrpcJsLogs(log);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => log.warn({ err: error }, "close failed"));
    }
  };

  try {
    // First: a missing certificate file must stop the start before anything opens.
    const tls = await loadTlsMaterial(config.tls);
    // Closed last (closers run in reverse), so the spans of the final calls are flushed.
    const telemetry = await startTelemetry(options.telemetry);
    if (telemetry !== null) closers.push(() => telemetry.shutdown());
    // The embedded database is one process's: a second server on its folder stops here.
    if (config.databaseUrl === null) {
      const lock = await acquireEmbeddedLock(config.dataDir);
      closers.push(() => lock.release());
    }
    const store = await openStore(config, log);
    closers.push(() => store.close());
    if (config.migrateOnStart) await store.migrateToLatest();

    const { codes, events, limiter, apiKeyCache } = await openCodesAndEvents(config, log, closers);

    const admin =
      config.adminToken !== null
        ? { token: config.adminToken, created: false }
        : await loadOrCreateAdminToken(config.dataDir);

    // Readiness and metrics come up first: /readyz says "no" until gRPC listens.
    let serving = false;
    const draining = new AbortController();
    const metrics = new UserlinkMetrics({ dbPool: store.poolStats, redisReady: () => redisReady(codes) });
    const readinessChecks = { database: () => store.ping(), codes: () => codes.ping() };
    const ops = createOpsServer({
      metrics,
      checks: readinessChecks,
      draining: () => !serving || draining.signal.aborted,
    });
    const opsPort = await listenOrExplain("USERLINK_OPS_PORT", config.host, config.opsPort, () =>
      listenOps(ops, config.host, config.opsPort),
    );
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          ops.close(() => resolve());
          // Scrapers keep connections alive; close() alone would wait for them.
          ops.closeAllConnections();
        }),
    );

    const rateLimits = new RateLimits({ limiter, settings: config.rateLimits, clock: systemClock, log });
    const clock = options.clock ?? systemClock;
    // The API-key lookup through a cache where every instance hears of revocations.
    const batched = withBatchedLookups(store);
    const servicesStore = apiKeyCache === null ? batched : withApiKeyCache(batched, apiKeyCache);
    const deps: ServiceDeps = { store: servicesStore, codes, events, clock, log, rateLimits };
    // Retention (README "Retention"): passes on a schedule, one instance at a time.
    const janitor = new Janitor(
      { retention: store.retention, clock, log, onPass: (pass) => metrics.recordJanitorPass(pass) },
      config.retention,
    );
    janitor.start(config.retention.janitorIntervalMs);
    closers.push(() => janitor.stop());
    const { server } = buildGrpcServer(
      {
        link: new LinkService(deps),
        devices: new DeviceService(deps, { refreshRetryWindowMs: config.refreshRetryWindowMs }),
        createUser: new CreateUserUseCase(deps),
        watcher: new WatchDeviceUseCase(deps),
        admin: new AdminService(deps),
        apiKeys: new ApiKeyAuthenticator(deps),
        deviceTokens: new DeviceAuthenticator(deps),
        adminToken: new AdminAuthenticator(admin.token, config.adminTokenPrevious),
      },
      log,
      {
        metrics,
        requireAdminClientCert: tls?.clientCa != null,
        draining: draining.signal,
        trustedProxies: config.trustedProxies,
        readinessChecks,
      },
    );
    const grpcPort = await listenOrExplain("USERLINK_GRPC_PORT", config.host, config.grpcPort, () =>
      server.listen(`${config.host}:${config.grpcPort}`, serverCredentials(tls)),
    );
    closers.push(async () => {
      // Calls in flight get the grace period to finish; whatever is left is cut.
      const forced = setTimeout(() => server.forceShutdown(), config.shutdownGraceMs);
      await server.shutdown();
      clearTimeout(forced);
    });
    const grpcWeb = await listenOrExplain("USERLINK_GRPCWEB_PORT", config.host, config.grpcWebPort, () =>
      startGrpcWebServer({
        host: config.host,
        port: config.grpcWebPort,
        grpcHost: config.host,
        grpcPort,
        grpcTls: config.tls !== null,
        ...(tls !== null && { tls: { cert: tls.cert, key: tls.key } }),
        corsOrigins: config.corsOrigins,
        log,
        console: createConsoleHandler({ enabled: config.console }),
      }),
    );
    // Closed before the gRPC server (closers run in reverse): it stops accepting, lets
    // its calls finish for as long as the gRPC server would, then ends the rest.
    closers.push(() => grpcWeb.close(config.shutdownGraceMs));
    // Runs first on close: /readyz turns false and open streams end with UNAVAILABLE.
    closers.push(async () => draining.abort());
    serving = true;

    return {
      grpcAddress: `${config.host}:${grpcPort}`,
      grpcPort,
      grpcWebPort: grpcWeb.port,
      opsPort,
      embedded: config.databaseUrl === null,
      adminToken: admin.token,
      adminTokenCreated: admin.created,
      log,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** `userlink migrate`: applies pending migrations to the configured database and exits. */
export async function migrateDatabase(config: Config, log: Pino): Promise<void> {
  // Not while a server has the embedded folder open: two PGlites on one folder corrupt it.
  const lock = config.databaseUrl === null ? await acquireEmbeddedLock(config.dataDir) : null;
  try {
    const store = await openStore(config, log);
    try {
      await store.migrateToLatest();
    } finally {
      await store.close();
    }
  } finally {
    await lock?.release();
  }
}

/** `userlink janitor`: one retention pass on the configured database, then exits. */
export async function runJanitorPass(config: Config, log: Pino): Promise<JanitorPass> {
  const store = await openStore(config, log);
  try {
    return await new Janitor(
      { retention: store.retention, clock: systemClock, log },
      config.retention,
    ).runOnce();
  } finally {
    await store.close();
  }
}
