import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createChannel, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { startUserlink, type RunningUserlink } from "../../src/main.js";
import { ERROR_REASON_ATTRIBUTE } from "../../src/transport/grpc/tracing.middleware.js";
import { ALL_SCOPES, phone } from "../support/flow.js";
import { callerContext, descendants } from "../support/spans.js";
import { StreamRecorder } from "../support/stream.js";
import { configFor, createStorage, type OwnedStorage } from "../support/userlink-server.js";

const WATCH = "userlink.v1.DeviceService/WatchDeviceStatus";

/** Keeps its spans past shutdown (the SDK's own clears them), to look at them after close. */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe("traces of WatchDeviceStatus streams", () => {
  const exporter = new KeepingExporter();
  let storage: OwnedStorage;
  let running: RunningUserlink | undefined;

  beforeAll(async () => {
    process.env.OTEL_SERVICE_NAME = "userlink-streams-test";
    storage = await createStorage("real");
    running = await startUserlink(configFor(storage), {
      telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] },
    });
  });
  afterAll(async () => {
    await running?.close();
    await storage?.destroy();
    delete process.env.OTEL_SERVICE_NAME;
  });

  /** A new device's access token, and a client that watches with a caller's traceparent. */
  async function watcher(channel: ReturnType<typeof createChannel>) {
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const bearer = (token: string, extra: Record<string, string> = {}) => ({
      "*": { metadata: Metadata({ authorization: `Bearer ${token}`, ...extra }) },
    });
    const admin = factory.create(AdminServiceDefinition, channel, bearer(storage.adminToken));
    const { app } = await admin.createApp({ displayName: "Streams" });
    const { apiKey } = await admin.createApiKey({ appId: app!.appId, name: "k", scopes: ALL_SCOPES });
    const link = factory.create(LinkServiceDefinition, channel, bearer(apiKey));
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "watcher" });
    const created = await factory.create(DeviceServiceDefinition, channel).createUser({
      ...phone(),
      authenticationCode,
    });
    const caller = callerContext();
    const device = factory.create(
      DeviceServiceDefinition,
      channel,
      bearer(created.credentials!.accessToken, { traceparent: caller.traceparent }),
    );
    return { caller, device };
  }

  const watchSpan = (traceId: string): Promise<ReadableSpan> =>
    vi.waitFor(
      () => {
        const span = exporter
          .getFinishedSpans()
          .find((s) => s.name === WATCH && s.spanContext().traceId === traceId);
        if (span === undefined) throw new Error("the stream's span has not ended yet");
        return span;
      },
      { timeout: 10_000, interval: 20 },
    );

  it("ends the span CANCELLED when the caller goes away, with the reads it made under it", async () => {
    const channel = createChannel(`127.0.0.1:${running!.grpcPort}`);
    try {
      const { caller, device } = await watcher(channel);
      const abort = new AbortController();
      const stream = new StreamRecorder(device.watchDeviceStatus({}, { signal: abort.signal }));
      await stream.nth(1);
      expect(exporter.getFinishedSpans().some((s) => s.name === WATCH)).toBe(false);
      abort.abort();
      await stream.end();

      const span = await watchSpan(caller.traceId);
      expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
      expect(span.attributes["rpc.grpc.status_code"]).toBe(Status.CANCELLED);
      expect(span.status).toMatchObject({ code: 2, message: "CANCELLED" });
      expect(descendants(exporter.getFinishedSpans(), span).length).toBeGreaterThan(0);
    } finally {
      channel.close();
    }
  });

  it("ends an open stream's span UNAVAILABLE / SHUTTING_DOWN when the instance shuts down", async () => {
    const channel = createChannel(`127.0.0.1:${running!.grpcPort}`);
    try {
      const { caller, device } = await watcher(channel);
      const stream = new StreamRecorder(device.watchDeviceStatus({}));
      await stream.nth(1);
      const closing = running!.close();
      running = undefined;
      await stream.end();
      await closing;

      const span = await watchSpan(caller.traceId);
      expect(span.attributes).toMatchObject({
        "rpc.grpc.status_code": Status.UNAVAILABLE,
        [ERROR_REASON_ATTRIBUTE]: "SHUTTING_DOWN",
      });
    } finally {
      channel.close();
    }
  });
});
