import { createRequire } from "node:module";
import type { Instrumentation } from "@opentelemetry/instrumentation";

/**
 * The maintained instrumentations of the two drivers, configured so that a span holds
 * nothing secret:
 * - pg: the statement text, which Kysely always parameterizes (values travel apart and
 *   `enhancedDatabaseReporting`, which would record them, stays off);
 * - ioredis: the command name only. The default serializer keeps arguments, and ours
 *   are code hashes, external user ids and request ids.
 * Both require a parent span, so the pool's and the subscriber's own traffic outside
 * any call makes no root spans.
 *
 * One set per process: a driver is handed to the instrumentations once, when it is
 * first required after they are enabled, so instances made for a later start (tests
 * start and stop the SDK several times) would never see it. Disabled ones re-patch
 * the module they kept when enabled again.
 */
let perProcess: Promise<Instrumentation[]> | undefined;

export function databaseInstrumentations(): Promise<Instrumentation[]> {
  perProcess ??= createInstrumentations();
  return perProcess;
}

async function createInstrumentations(): Promise<Instrumentation[]> {
  const [{ PgInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import("@opentelemetry/instrumentation-pg"),
    import("@opentelemetry/instrumentation-ioredis"),
  ]);
  return [
    new PgInstrumentation({
      requireParentSpan: true,
      enhancedDatabaseReporting: false,
      // A connection span per checkout says little the query spans do not.
      ignoreConnectSpans: true,
    }),
    new IORedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command) => command,
    }),
  ];
}

/**
 * The instrumentations patch a driver when it is `require`d after they are enabled.
 * This app is ESM and imports its drivers statically, so both are loaded long before
 * the SDK starts, and no `require` ever comes. Requiring them once more here hands
 * the already loaded module objects to the instrumentations, which patch the classes'
 * prototypes (pg's `Client.prototype.query`, pg-pool's `connect`, ioredis'
 * `sendCommand`): the very objects the ESM imports hold, since Node shares one
 * CommonJS module cache between `import` and `require`. No loader hook
 * (`--import`, import-in-the-middle) is needed, under tsx, plain node or vitest.
 */
export function patchLoadedDrivers(): void {
  // Resolved from here, as the adapters' own imports resolve them; pg-pool from pg,
  // whose dependency it is.
  const require = createRequire(import.meta.url);
  require("ioredis");
  createRequire(require.resolve("pg"))("pg-pool");
  require("pg");
}
