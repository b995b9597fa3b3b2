import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { createChannel, createClientFactory, Metadata } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ALL_SCOPES, phone } from "../support/flow.js";
import { testRedisUrl } from "../support/redis.js";
import { createStorage } from "../support/userlink-server.js";
import { spawnUserlink } from "../support/userlink-process.js";
import { FLUSH_LIMIT_MS } from "../../src/telemetry/telemetry.js";

interface Export {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP/HTTP receiver that keeps every export it is sent and answers 200. */
async function fakeCollector(): Promise<{ server: Server; url: string; exports: Export[] }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      exports.push({
        path: req.url ?? "",
        contentType: String(req.headers["content-type"]),
        body: Buffer.concat(chunks),
      });
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports };
}

describe("traces exported by a `userlink serve` process", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it("go over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT, flushed on SIGTERM, with no secret on the wire", async () => {
    const collector = await fakeCollector();
    cleanups.push(() => new Promise((resolve) => collector.server.close(resolve)));
    const storage = await createStorage("real");
    cleanups.push(() => storage.destroy());
    const proc = await spawnUserlink({
      DATABASE_URL: storage.databaseUrl!,
      REDIS_URL: testRedisUrl(),
      USERLINK_ADMIN_TOKEN: storage.adminToken,
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
      USERLINK_REDIS_KEY_PREFIX: storage.redisKeyPrefix,
      // Nothing but the standard variables: the exporter and protocol are the defaults.
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "userlink-otlp-test",
    });
    cleanups.push(async () => proc.child.kill("SIGKILL"));

    const channel = createChannel(proc.grpcAddress);
    cleanups.push(async () => channel.close());
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const bearer = (token: string) => ({ "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } });
    const admin = factory.create(AdminServiceDefinition, channel, bearer(storage.adminToken));
    const { app } = await admin.createApp({ displayName: "otlp" });
    const { apiKey } = await admin.createApiKey({ appId: app!.appId, name: "k", scopes: ALL_SCOPES });
    const { authenticationCode } = await factory
      .create(LinkServiceDefinition, channel, bearer(apiKey))
      .requestAuthCode({ externalUserId: "exported-customer-9" });
    const created = await factory
      .create(DeviceServiceDefinition, channel)
      .createUser({ ...phone(), authenticationCode });
    channel.close();

    // The batch processor holds the spans (5 s by default); shutdown must flush them.
    await proc.stop();
    expect(await proc.exited).toBe(0);

    const traces = collector.exports.filter((sent) => sent.path === "/v1/traces");
    expect(traces.length).toBeGreaterThan(0);
    // Metrics and logs stay off unless their own OTEL_*_EXPORTER asks for them.
    expect(collector.exports.map((sent) => sent.path).filter((path) => path !== "/v1/traces")).toEqual([]);
    for (const sent of traces) expect(sent.contentType).toBe("application/x-protobuf");
    const wire = Buffer.concat(traces.map((sent) => sent.body));
    // Protobuf carries strings as plain UTF-8, so names and values can be looked for.
    for (const expected of [
      "userlink-otlp-test",
      "userlink.v1.LinkService/RequestAuthCode",
      "userlink.v1.DeviceService/CreateUser",
      "@opentelemetry/instrumentation-pg",
      "@opentelemetry/instrumentation-ioredis",
    ]) {
      expect(wire.includes(expected), expected).toBe(true);
    }
    const secrets = [
      storage.adminToken,
      apiKey,
      apiKey.split(".")[1]!,
      authenticationCode,
      "exported-customer-9",
      created.credentials!.accessToken,
      created.credentials!.refreshToken,
    ];
    for (const secret of secrets) expect(wire.includes(secret)).toBe(false);
  });

  it("do not hold the exit when the collector never answers", async () => {
    // Accepts connections and says nothing, as a collector behind a dead network would.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const storage = await createStorage("real");
    cleanups.push(() => storage.destroy());
    const proc = await spawnUserlink({
      DATABASE_URL: storage.databaseUrl!,
      REDIS_URL: testRedisUrl(),
      USERLINK_ADMIN_TOKEN: storage.adminToken,
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
      USERLINK_REDIS_KEY_PREFIX: storage.redisKeyPrefix,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    });
    cleanups.push(async () => proc.child.kill("SIGKILL"));
    const channel = createChannel(proc.grpcAddress);
    const admin = createClientFactory().create(AdminServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
    });
    await admin.createApp({ displayName: "buffered" });
    channel.close();

    const started = performance.now();
    await proc.stop(30_000);
    const seconds = (performance.now() - started) / 1000;
    expect(await proc.exited).toBe(0);
    // The exporter alone would wait 10 s (its timeout), the batch processor up to 30 s.
    expect(seconds).toBeLessThan(FLUSH_LIMIT_MS / 1000 + 5);
    expect(sockets.length).toBeGreaterThan(0);
  });
});
