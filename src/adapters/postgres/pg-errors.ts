import { AppError } from "../../domain/errors.js";

/**
 * Driver errors → AppError, in the spirit of kratos' sqlcon.HandleError. Only what a
 * caller can act on is translated; anything else (a bug: a duplicate primary key, a
 * check constraint, bad SQL) passes through untouched so that the transport reports
 * INTERNAL and logs the driver's full detail.
 */
export function translateDbError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = errorCode(error);
  if (isUnavailable(code, error)) {
    return new AppError("DEPENDENCY_UNAVAILABLE", "the database is unavailable", { cause: error });
  }
  if (RETRYABLE_CONFLICTS.has(code)) {
    return new AppError("CONFLICT", "a concurrent change won; retry", { cause: error });
  }
  if (code === UNIQUE_VIOLATION && RACE_CONSTRAINTS.has(constraintName(error))) {
    return new AppError("CONFLICT", "a concurrent change took the same place; retry", { cause: error });
  }
  return error;
}

/** Runs `operation`, translating whatever it throws. */
export async function translatingErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateDbError(error);
  }
}

const UNIQUE_VIOLATION = "23505";

/** Serialization failure, deadlock, lock not available: a retry would win. */
const RETRYABLE_CONFLICTS = new Set(["40001", "40P01", "55P03"]);

/**
 * Unique constraints that only a race can break, where the retry finds the winner's
 * row: a second live device of a user (rule 4: two registrations at once), a second
 * registration with one code (two retries of one CreateUser), a second user with one
 * external id. Primary keys and token hashes are random: a clash there is a bug.
 */
const RACE_CONSTRAINTS = new Set([
  "devices_one_active_per_user",
  "devices_one_inactive_per_user",
  "devices_registration_code_hash_key",
  "users_app_id_external_user_id_key",
]);

/** SQLSTATEs of a server that is going away, refusing or too slow. */
const UNAVAILABLE_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled: statement_timeout
  "53300", // too_many_connections
  "25P03", // idle_in_transaction_session_timeout
]);

/** Node socket errors on the way to the server. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * pg signals its own timeouts and lost connections with plain Errors and no code
 * (pool checkout timeout, query_timeout, a socket closed mid-query); PGlite says it
 * is closed the same way.
 */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /connection terminated/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end/i,
  /pglite is closed/i,
  // After store.close() Kysely refuses before pg or PGlite is reached, so the two
  // lines above never match there: without this a call racing shutdown was INTERNAL.
  /driver has already been destroyed/i,
];

function isUnavailable(code: string, error: unknown): boolean {
  if (UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code) || code.startsWith("08")) return true;
  if (error instanceof AggregateError) return error.errors.some((e) => isUnavailable(errorCode(e), e));
  const message = error instanceof Error ? error.message : "";
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function constraintName(error: unknown): string {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === "string" ? constraint : "";
}
