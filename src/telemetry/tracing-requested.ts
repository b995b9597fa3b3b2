/**
 * Whether the environment asks for OpenTelemetry. Tracing is opt-in through the
 * standard variables only: with no `OTEL_*` variable set (or `OTEL_SDK_DISABLED=true`,
 * or `OTEL_TRACES_EXPORTER=none`) the SDK is not even loaded and the API stays no-op.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  const set = Object.entries(env).filter(([name, value]) => name.startsWith("OTEL_") && value?.trim());
  if (set.length === 0) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  // The SDK reads a list here ("otlp,console"); "none" anywhere in it means no exporter.
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim());
  return !exporters.includes("none");
}
