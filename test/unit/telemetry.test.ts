import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { startTelemetry } from "../../src/telemetry/telemetry.js";
import { tracingRequested } from "../../src/telemetry/tracing-requested.js";
import { patched } from "../support/spans.js";

describe("tracingRequested", () => {
  it("is off with no OTEL_* variable, or only empty ones", () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ PATH: "/usr/bin", USERLINK_LOG_LEVEL: "info" })).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: "", OTEL_EXPORTER_OTLP_ENDPOINT: "  " })).toBe(false);
  });

  it("is on as soon as one standard variable is set", () => {
    expect(tracingRequested({ OTEL_SERVICE_NAME: "userlink" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(
      true,
    );
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: "console", OTEL_SDK_DISABLED: "false" })).toBe(true);
  });

  it("stays off when the SDK is disabled or no trace exporter is wanted", () => {
    expect(tracingRequested({ OTEL_SERVICE_NAME: "userlink", OTEL_SDK_DISABLED: " TRUE " })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: "otlp, none" })).toBe(false);
  });

  it("makes startTelemetry return null without starting anything", async () => {
    expect(await startTelemetry({ env: { PATH: "/usr/bin" } })).toBeNull();
    expect(await startTelemetry({ env: { OTEL_SDK_DISABLED: "true", OTEL_SERVICE_NAME: "x" } })).toBeNull();
  });
});

describe("startTelemetry", () => {
  const recording = () => trace.getTracer("probe").startSpan("probe").isRecording();

  it("runs one SDK per process, shared by every start, until the last one shuts down", async () => {
    const exporter = new InMemorySpanExporter();
    const env = { OTEL_SERVICE_NAME: "userlink-unit" };
    const first = await startTelemetry({ env, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const second = await startTelemetry({ env, spanProcessors: [] });
    expect(recording()).toBe(true);

    await first!.shutdown();
    await first!.shutdown(); // twice is once: the second start still holds it
    trace.getTracer("probe").startSpan("after the first").end();
    // Exported once the resource's asynchronous attributes (host id) are known.
    await vi.waitFor(
      () => expect(exporter.getFinishedSpans().map((span) => span.name)).toContain("after the first"),
      {
        timeout: 10_000,
      },
    );

    await second!.shutdown();
    expect(recording()).toBe(false);
    expect(patched(pg.Client.prototype.query)).toBe(false);

    // And a later start begins afresh.
    const third = await startTelemetry({ env, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(recording()).toBe(true);
    expect(patched(pg.Client.prototype.query)).toBe(true);
    await third!.shutdown();
    expect(recording()).toBe(false);
  });
});
