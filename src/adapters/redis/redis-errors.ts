import { AppError } from "../../domain/errors.js";

/**
 * Replies Redis gives while it cannot serve yet (loading, failover, cluster reshard):
 * a retry soon may succeed, so the caller sees them like a connection failure.
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/** ioredis' own wording for "no usable connection" (it has no error codes for these). */
const CONNECTION_MESSAGE =
  /Connection is closed|Stream isn't writeable|isn't ready and enableOfflineQueue|Command timed out|connect ETIMEDOUT|Socket timeout|None of startup nodes|Cluster is (disconnected|disconnecting|ended)|Failed to refresh slots/;

const CONNECTION_NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError", "AbortError"]);

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** True when `error` means Redis could not be reached or answered too late. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "ReplyError") return TRANSIENT_REPLY.test(error.message);
  const code = (error as { code?: unknown }).code;
  return (
    CONNECTION_NAMES.has(error.name) ||
    (typeof code === "string" && SOCKET_CODES.has(code)) ||
    CONNECTION_MESSAGE.test(error.message)
  );
}

/**
 * Runs one Redis operation, turning "Redis is down or slow" into
 * `AppError("DEPENDENCY_UNAVAILABLE")`; anything else (a script bug, WRONGTYPE) is a
 * defect and passes through unchanged, to be reported as internal.
 */
export async function withRedisErrors<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isRedisUnavailable(error)) {
      throw new AppError("DEPENDENCY_UNAVAILABLE", `redis unavailable during ${operation}`, { cause: error });
    }
    throw error;
  }
}
