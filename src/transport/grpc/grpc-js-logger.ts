import { setLogger } from "@grpc/grpc-js";
import type { Logger as Pino } from "pino";

/**
 * grpc-js writes its own diagnostics to stderr as "E …" lines, which would break the
 * one-line start-up errors and the JSON-only stdout. Sent to pino instead: one JSON line
 * per message, at the level grpc-js meant. Process-wide (grpc-js has one logger).
 */
export function routeGrpcJsLogs(log: Pino): void {
  const grpcLog = log.child({ component: "grpc-js" });
  const text = (message: unknown, rest: unknown[]) => [message, ...rest].map(String).join(" ");
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => grpcLog.error(text(message, rest)),
    info: (message?: unknown, ...rest: unknown[]) => grpcLog.info(text(message, rest)),
    debug: (message?: unknown, ...rest: unknown[]) => grpcLog.debug(text(message, rest)),
  });
}
