import { propagation, ProxyTracerProvider, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createChannel, createClient, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import pg from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { startUserlink, type RunningUserlink } from "../../src/main.js";
import { ERROR_REASON_ATTRIBUTE } from "../../src/transport/grpc/tracing.middleware.js";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { ALL_SCOPES, createAppWithKey, expectGrpcError, phone } from "../support/flow.js";
import { grpcWebClients } from "../support/grpc-web-clients.js";
import {
  callerContext,
  descendants as below,
  type CallerContext,
  patched,
  PG_SCOPE,
  REDIS_SCOPE,
  spanTexts,
} from "../support/spans.js";
import { configFor, createStorage, startInstance, type OwnedStorage } from "../support/userlink-server.js";

const BROWSER_ORIGIN = "https://app.example";
// Spans end before the answer is sent; the margin is for a loaded machine.
const SPAN_WAIT = { timeout: 10_000, interval: 20 };

describe("traces with no OTEL_* variable set", () => {
  let storage: OwnedStorage;

  beforeAll(async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith("OTEL_")) delete process.env[name];
    storage = await createStorage("real");
  });
  afterAll(() => storage.destroy());

  it("start no SDK: the API stays no-op and the drivers unpatched while calls are served", async () => {
    const server = await startInstance(storage);
    try {
      const { apiKey } = await createAppWithKey(server);
      const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "quiet" });
      await server.device().createUser({ ...phone(), authenticationCode });
    } finally {
      await server.stop();
    }
    const provider = trace.getTracerProvider() as ProxyTracerProvider;
    expect(provider.getDelegate().constructor.name).toBe("NoopTracerProvider");
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(patched(pg.Client.prototype.query)).toBe(false);
    expect(patched(Redis.prototype.sendCommand)).toBe(false);
  });
});

describe("traces of one CreateUser on Postgres and Redis", () => {
  const exporter = new InMemorySpanExporter();
  let storage: OwnedStorage;
  let running: RunningUserlink;
  const secrets: string[] = [];

  beforeAll(async () => {
    // The SDK reads its settings from process.env; this process is this file's alone.
    process.env.OTEL_SERVICE_NAME = "userlink-traces-test";
    process.env.OTEL_METRICS_EXPORTER = "none";
    process.env.OTEL_LOGS_EXPORTER = "none";
    storage = await createStorage("real");
    secrets.push(storage.adminToken);
    running = await startUserlink(configFor(storage, { USERLINK_CORS_ORIGINS: BROWSER_ORIGIN }), {
      telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] },
    });
  });
  afterAll(async () => {
    await running?.close();
    await storage?.destroy();
    for (const name of ["OTEL_SERVICE_NAME", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"])
      delete process.env[name];
  });

  const clients = () => {
    const channel = createChannel(`127.0.0.1:${running.grpcPort}`);
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const admin = factory.create(AdminServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
    });
    return {
      channel,
      /** A new app and a key for it with every scope. */
      newApiKey: async () => {
        const { app } = await admin.createApp({ displayName: "Traced app", sdkConfig: {} });
        return (await admin.createApiKey({ appId: app!.appId, name: "backend", scopes: ALL_SCOPES })).apiKey;
      },
      link: (apiKey: string, caller: CallerContext) =>
        factory.create(LinkServiceDefinition, channel, {
          "*": { metadata: Metadata({ authorization: `Bearer ${apiKey}`, traceparent: caller.traceparent }) },
        }),
      device: (caller: CallerContext) =>
        factory.create(DeviceServiceDefinition, channel, {
          "*": { metadata: Metadata({ traceparent: caller.traceparent, tracestate: caller.tracestate }) },
        }),
    };
  };

  /** The finished server span of `method` in `traceId`, once the SDK has it. */
  async function serverSpan(method: string, traceId: string): Promise<ReadableSpan> {
    return vi.waitFor(() => {
      const span = exporter
        .getFinishedSpans()
        .find((s) => s.name === method && s.spanContext().traceId === traceId);
      if (span === undefined) throw new Error(`no span ${method} in trace ${traceId} yet`);
      return span;
    }, SPAN_WAIT);
  }

  const descendants = (root: ReadableSpan) => below(exporter.getFinishedSpans(), root);

  it("makes the caller's span the parent of the RPC span, and the Postgres and Redis spans its children", async () => {
    const { channel, newApiKey, link, device } = clients();
    try {
      const apiKey = await newApiKey();
      secrets.push(apiKey, apiKey.split(".")[1]!);

      const linking = callerContext();
      const code = await link(apiKey, linking).requestAuthCode({ externalUserId: "traced-customer-77" });
      secrets.push(code.authenticationCode, "traced-customer-77");
      const requestSpan = await serverSpan("userlink.v1.LinkService/RequestAuthCode", linking.traceId);
      expect(requestSpan.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": "userlink.v1.LinkService",
        "rpc.method": "RequestAuthCode",
        "rpc.grpc.status_code": Status.OK,
      });

      const redeeming = callerContext();
      const created = await device(redeeming).createUser({
        ...phone(),
        authenticationCode: code.authenticationCode,
      });
      secrets.push(created.credentials!.accessToken, created.credentials!.refreshToken);

      const span = await serverSpan("userlink.v1.DeviceService/CreateUser", redeeming.traceId);
      expect(span.kind).toBe(1); // SpanKind.SERVER
      expect(span.parentSpanContext).toMatchObject({ traceId: redeeming.traceId, spanId: redeeming.spanId });
      expect(span.spanContext().traceState?.get("caller")).toBe("1");
      expect(span.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": "userlink.v1.DeviceService",
        "rpc.method": "CreateUser",
        "rpc.grpc.status_code": Status.OK,
      });
      expect(span.attributes[ERROR_REASON_ATTRIBUTE]).toBeUndefined();
      expect(span.status.code).toBe(0); // UNSET

      const children = descendants(span);
      const sql = children.filter((s) => s.instrumentationScope.name === PG_SCOPE);
      const redis = children.filter((s) => s.instrumentationScope.name === REDIS_SCOPE);
      expect(sql.length).toBeGreaterThan(0);
      expect(redis.length).toBeGreaterThan(0);
      // Statements are recorded as Kysely sent them: placeholders, no values.
      expect(sql.map((s) => s.attributes["db.query.text"]).join("\n")).toMatch(/ values \(\$1, \$2/);
      // Redis commands are recorded by name alone: no key, no argument.
      for (const s of redis) expect(s.attributes["db.query.text"]).toBe(s.name);
    } finally {
      channel.close();
    }
  });

  it("records the ErrorInfo reason and an error status on a failed call", async () => {
    const { channel, newApiKey, link, device } = clients();
    try {
      const apiKey = await newApiKey();
      secrets.push(apiKey);
      const { authenticationCode } = await link(apiKey, callerContext()).requestAuthCode({
        externalUserId: "twice",
      });
      secrets.push(authenticationCode);
      await device(callerContext()).createUser({ ...phone(), authenticationCode });
      const again = callerContext();
      await expectGrpcError(device(again).createUser({ ...phone(), authenticationCode }), {
        code: Status.UNAUTHENTICATED,
        reason: "AUTH_CODE_ALREADY_USED",
      });
      const span = await serverSpan("userlink.v1.DeviceService/CreateUser", again.traceId);
      expect(span.attributes).toMatchObject({
        "rpc.grpc.status_code": Status.UNAUTHENTICATED,
        [ERROR_REASON_ATTRIBUTE]: "AUTH_CODE_ALREADY_USED",
      });
      expect(span.status).toEqual({ code: 2, message: "UNAUTHENTICATED AUTH_CODE_ALREADY_USED" });
    } finally {
      channel.close();
    }
  });

  it("takes the caller's traceparent over gRPC-Web too, cross-origin browsers included", async () => {
    const preflight = await fetch(
      `http://127.0.0.1:${running.grpcWebPort}/userlink.v1.LinkService/RequestAuthCode`,
      {
        method: "OPTIONS",
        headers: {
          origin: BROWSER_ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,traceparent,tracestate,x-grpc-web",
        },
      },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")!.split(/,\s*/)).toEqual(
      expect.arrayContaining(["traceparent", "tracestate"]),
    );

    const { channel, newApiKey } = clients();
    const apiKey = await newApiKey().finally(() => channel.close());
    secrets.push(apiKey);
    const web = grpcWebClients(`http://127.0.0.1:${running.grpcWebPort}`, storage.adminToken);
    const caller = callerContext();
    const { authenticationCode } = await web.link(apiKey).requestAuthCode(
      { externalUserId: "web-customer" },
      {
        // Call options replace the client's defaults, so the key goes here too.
        metadata: Metadata({ authorization: `Bearer ${apiKey}`, traceparent: caller.traceparent }),
      },
    );
    secrets.push(authenticationCode);
    const span = await serverSpan("userlink.v1.LinkService/RequestAuthCode", caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(descendants(span).some((s) => s.instrumentationScope.name === PG_SCOPE)).toBe(true);
  });

  it("never records a key, code, token, admin token or external user id", () => {
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThan(8);
    const texts = spanTexts(spans);
    for (const secret of secrets) {
      expect(texts.filter((text) => text.includes(secret))).toEqual([]);
    }
  });
});

describe("traces after a restart in the same process, sampled as OTEL_TRACES_SAMPLER says", () => {
  const exporter = new InMemorySpanExporter();
  let storage: OwnedStorage;
  let running: RunningUserlink;

  beforeAll(async () => {
    process.env.OTEL_TRACES_SAMPLER = "parentbased_always_off";
    storage = await createStorage("real");
    running = await startUserlink(configFor(storage), {
      telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] },
    });
  });
  afterAll(async () => {
    await running?.close();
    await storage?.destroy();
    delete process.env.OTEL_TRACES_SAMPLER;
  });

  it("records a call only when the caller sampled it, database spans included", async () => {
    const channel = createChannel(`127.0.0.1:${running.grpcPort}`);
    try {
      const admin = createClient(AdminServiceDefinition, channel, {
        "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
      });
      const { app } = await admin.createApp({ displayName: "Sampled app", sdkConfig: {} });
      const { apiKey } = await admin.createApiKey({ appId: app!.appId, name: "k", scopes: ALL_SCOPES });
      const call = (metadata: Record<string, string>) =>
        createClient(LinkServiceDefinition, channel).requestAuthCode(
          { externalUserId: "sampled" },
          { metadata: Metadata({ authorization: `Bearer ${apiKey}`, ...metadata }) },
        );
      const sampled = callerContext(true);
      const unsampled = callerContext(false);
      await call({});
      await call({ traceparent: unsampled.traceparent });
      await call({ traceparent: sampled.traceparent });

      const span = await vi.waitFor(() => {
        const found = exporter
          .getFinishedSpans()
          .find(
            (s) =>
              s.spanContext().traceId === sampled.traceId && s.parentSpanContext?.spanId === sampled.spanId,
          );
        if (found === undefined) throw new Error("the sampled call has no span yet");
        return found;
      }, SPAN_WAIT);
      expect(span.name).toBe("userlink.v1.LinkService/RequestAuthCode");
      expect(
        below(exporter.getFinishedSpans(), span).some((s) => s.instrumentationScope.name === PG_SCOPE),
      ).toBe(true);
      // Nothing else: the admin calls and the two other calls had no sampled parent.
      const traces = new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
      expect([...traces]).toEqual([sampled.traceId]);
    } finally {
      channel.close();
    }
  });
});
