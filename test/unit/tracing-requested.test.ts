import { describe, expect, it } from "vitest";
import { startTelemetry } from "../../src/telemetry/telemetry.js";
import { tracingRequested } from "../../src/telemetry/tracing-requested.js";

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
