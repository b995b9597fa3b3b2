import { context, propagation, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { databaseInstrumentations, patchLoadedDrivers } from "./driver-instrumentations.js";
import { tracingRequested } from "./tracing-requested.js";

/**
 * How long shutdown waits for the last spans to reach the collector. The SDK's own
 * bound is the batch export timeout (30 s by default), far beyond what a pod is given
 * to stop; a collector that does not answer must not hold the exit.
 */
export const FLUSH_LIMIT_MS = 3_000;

export interface TelemetryOptions {
  /** Where the `OTEL_*` variables are read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Replace the exporters that `OTEL_TRACES_EXPORTER` names (tests hand in an
   * in-memory exporter here). Sampling, resource and propagators still come from
   * the environment.
   */
  readonly spanProcessors?: SpanProcessor[];
}

/** A started OpenTelemetry SDK. */
export interface Telemetry {
  /** Flushes the spans still buffered, then unregisters everything it registered. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK when the standard `OTEL_*` variables ask for it,
 * and returns null otherwise. Nothing of the SDK is even loaded then: the gRPC
 * middleware gets non-recording spans from the API's no-op tracer and steps aside.
 *
 * The SDK reads its own configuration (exporter, endpoint, sampler, service name,
 * propagators) from `process.env`, as every OpenTelemetry SDK does; `env` only decides
 * whether it starts.
 */
export async function startTelemetry(options: TelemetryOptions = {}): Promise<Telemetry | null> {
  const env = options.env ?? process.env;
  if (!tracingRequested(env)) return null;
  // One SDK per process (the API's globals hold one): a second instance started in the
  // same process, as tests do, shares the first one's, spanProcessors included, and the
  // SDK stops with the last of them.
  const entry = (running ??= { stop: startSdk(env, options), users: 0 });
  entry.users += 1;
  let stop: () => Promise<void>;
  try {
    stop = await entry.stop;
  } catch (error) {
    if (running === entry) running = null;
    throw error;
  }
  let done = false;
  return {
    shutdown: async () => {
      if (done) return;
      done = true;
      entry.users -= 1;
      if (entry.users > 0) return;
      if (running === entry) running = null;
      const stopping = stop();
      previousStop = stopping.catch(() => {});
      await stopping;
    },
  };
}

let running: { readonly stop: Promise<() => Promise<void>>; users: number } | null = null;
/** A start right after a stop waits for it: its unregistering would undo the start. */
let previousStop: Promise<void> = Promise.resolve();

/** Starts the SDK; resolves with the function that flushes and unregisters it. */
async function startSdk(env: NodeJS.ProcessEnv, options: TelemetryOptions): Promise<() => Promise<void>> {
  await previousStop;
  // Loaded only when wanted: the SDK and its exporters are a few megabytes of code.
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const instrumentations = await databaseInstrumentations();
  const sdk = new NodeSDK({
    instrumentations,
    ...(options.spanProcessors !== undefined && { spanProcessors: options.spanProcessors }),
    // Traces only, unless asked: the service's metrics are the Prometheus ones on
    // /metrics and its logs are pino's. The SDK would otherwise export both over OTLP
    // by default as soon as any OTEL_* variable is set.
    ...(!env.OTEL_METRICS_EXPORTER?.trim() && { metricReaders: [] }),
    ...(!env.OTEL_LOGS_EXPORTER?.trim() && { logRecordProcessors: [] }),
  });
  sdk.start();
  // The SDK enables only instrumentations whose config says disabled; ours were
  // disabled by an earlier shutdown (tests start several times) and must come back.
  for (const instrumentation of instrumentations) instrumentation.enable();
  patchLoadedDrivers();
  return async () => {
    try {
      await withinLimit(sdk.shutdown(), FLUSH_LIMIT_MS);
    } finally {
      for (const instrumentation of instrumentations) instrumentation.disable();
      // So that a later start in the same process (tests) can register again.
      trace.disable();
      context.disable();
      propagation.disable();
    }
  };
}

async function withinLimit(work: Promise<void>, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`traces not flushed within ${limitMs} ms; the spans still buffered are dropped`)),
      limitMs,
    );
  });
  try {
    await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
