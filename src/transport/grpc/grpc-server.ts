import { readFileSync } from "node:fs";
import { createServer, type Server } from "nice-grpc";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";
import { HealthDefinition, HealthServiceImpl, HealthState } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { AdminServiceDefinition } from "../../gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../gen/userlink/v1/link_service.js";
import type { Logger } from "../../ports/logger.js";
import type { AdminAuthenticator } from "../../services/admin-authenticator.js";
import type { AdminService } from "../../services/admin.service.js";
import type { ApiKeyAuthenticator } from "../../services/api-key-authenticator.js";
import type { CreateUserUseCase } from "../../services/create-user.use-case.js";
import type { DeviceAuthenticator } from "../../services/device-authenticator.js";
import type { DeviceService } from "../../services/device.service.js";
import type { LinkService } from "../../services/link.service.js";
import type { WatchDeviceUseCase } from "../../services/watch-device.use-case.js";
import { adminHandlers } from "./admin.handler.js";
import { adminAuth, apiKeyAuth, deviceAuth } from "./auth.middleware.js";
import { TrustedProxies } from "./client-address.js";
import { BODY_AUTHENTICATED_DEVICE_PATHS, deviceHandlers } from "./device.handler.js";
import type { UserlinkMetrics } from "../ops/metrics.js";
import { callObserver } from "./call-observer.middleware.js";
import { errorMiddleware } from "./error.middleware.js";
import { guardedDefinition, MAX_REQUEST_BYTES } from "./guarded-definition.js";
import { followReadiness, type HealthCheck } from "./health-readiness.js";
import { linkHandlers } from "./link.handler.js";
import { reflectionImplementation, ServerReflectionV1AlphaService } from "./reflection.js";
import { tracing } from "./tracing.middleware.js";
import { markVerifiedClientCert } from "./server-credentials.js";

export interface GrpcServices {
  readonly link: LinkService;
  readonly devices: DeviceService;
  readonly createUser: CreateUserUseCase;
  readonly watcher: WatchDeviceUseCase;
  readonly admin: AdminService;
  readonly apiKeys: ApiKeyAuthenticator;
  readonly deviceTokens: DeviceAuthenticator;
  readonly adminToken: AdminAuthenticator;
}

const DESCRIPTOR_SET = new URL("../../gen/userlink.binpb", import.meta.url);

export interface GrpcServerOptions {
  readonly metrics: UserlinkMetrics;
  /** AdminService also needs a verified client certificate (a client CA is configured). */
  readonly requireAdminClientCert: boolean;
  /** Aborted when shutdown begins: open streams end with UNAVAILABLE so SDKs reconnect. */
  readonly draining: AbortSignal;
  /** Proxies (IPs, CIDR ranges) whose x-forwarded-for names the client (rate limits per client). */
  readonly trustedProxies: readonly string[];
  /** The dependencies /readyz checks; grpc.health.v1 follows them (always SERVING without). */
  readonly readinessChecks?: Readonly<Record<string, HealthCheck>>;
}

export interface BuiltGrpcServer {
  readonly server: Server;
  readonly health: ReturnType<typeof HealthState>;
}

/** The three services, grpc.health.v1 and server reflection on one nice-grpc server. */
export function buildGrpcServer(
  services: GrpcServices,
  log: Logger,
  options: GrpcServerOptions,
): BuiltGrpcServer {
  const server = createServer({
    // grpc-js server interceptors see the TLS session, which nice-grpc middleware cannot.
    interceptors: [markVerifiedClientCert],
    // Requests between 64 KiB and this are decoded far enough to be refused with
    // INVALID_ARGUMENT and a BadRequest; beyond it grpc-js refuses them itself.
    "grpc.max_receive_message_length": MAX_REQUEST_BYTES * 16,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    // Nothing serves channelz (no channelz service is registered), yet with it on grpc-js
    // gives every call a tracker object and four closures that live as long as the call:
    // 10,000 open WatchDeviceStatus streams carried them for nobody.
    "grpc.enable_channelz": 0,
  })
    .use(errorDetailsServerMiddleware)
    .use(tracing())
    .use(callObserver(log, options.metrics))
    .use(errorMiddleware(log));

  server
    .with(apiKeyAuth(services.apiKeys))
    .add(guardedDefinition(LinkServiceDefinition), linkHandlers(services.link));
  server
    .with(deviceAuth(services.deviceTokens, BODY_AUTHENTICATED_DEVICE_PATHS))
    .add(
      guardedDefinition(DeviceServiceDefinition),
      deviceHandlers(
        services.createUser,
        services.devices,
        services.watcher,
        options.draining,
        new TrustedProxies(options.trustedProxies),
      ),
    );
  server
    .with(adminAuth(services.adminToken, { requireClientCert: options.requireAdminClientCert }))
    .add(guardedDefinition(AdminServiceDefinition), adminHandlers(services.admin));

  const served = [
    LinkServiceDefinition.fullName,
    DeviceServiceDefinition.fullName,
    AdminServiceDefinition.fullName,
  ];
  const health = HealthState();
  const readiness = followReadiness(health, served, {
    checks: options.readinessChecks ?? {},
    draining: options.draining,
  });
  const healthImpl = HealthServiceImpl(health);
  server.add(HealthDefinition, {
    ...healthImpl,
    // A Check runs the checks first, so its answer is now's, not the last poll's.
    check: async (request, context) => {
      await readiness.refresh();
      return healthImpl.check(request, context);
    },
  });
  // Both reflection versions describe every listed service and every type their
  // methods and errors use (health, google.rpc details): the descriptor set has them all.
  const reflection = reflectionImplementation(readFileSync(DESCRIPTOR_SET), [
    ...served,
    "grpc.health.v1.Health",
  ]);
  server.add(ServerReflectionService, reflection);
  server.add(ServerReflectionV1AlphaService, reflection);
  return { server, health };
}
