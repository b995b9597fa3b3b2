/**
 * The closed set of things that can go wrong in userlink, as the domain sees them.
 * Exactly one place (transport/grpc/error-mapping.ts) turns these into gRPC statuses;
 * the domain and the services never know a status code.
 * The rules that comments and tests cite as "rule N" are numbered in docs/rules.md.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "API_KEY_INVALID"
  | "API_KEY_EXPIRED"
  | "API_KEY_REVOKED"
  | "API_KEY_NOT_FOUND"
  | "API_KEY_LIMIT_REACHED"
  /** RotateApiKey of a key that was rotated before. */
  | "API_KEY_ALREADY_ROTATED"
  /** RotateApiKey of a revoked or expired key. */
  | "API_KEY_NOT_ROTATABLE"
  | "SCOPE_MISSING"
  | "ADMIN_TOKEN_INVALID"
  | "AUTH_CODE_INVALID"
  | "AUTH_CODE_ALREADY_USED"
  | "USER_NOT_FOUND"
  | "USER_DISABLED"
  | "APP_NOT_FOUND"
  | "DEVICE_TOKEN_INVALID"
  | "DEVICE_DEACTIVATED"
  | "CREDENTIALS_REUSED"
  | "RATE_LIMITED"
  /** A dependency (database, Redis) is unreachable or timed out: worth a retry. */
  | "DEPENDENCY_UNAVAILABLE"
  /** Lost a race that a retry would win (serialization failure, deadlock). */
  | "CONFLICT"
  /** AdminService needs a client certificate from the configured CA (mTLS). */
  | "CLIENT_CERTIFICATE_REQUIRED"
  /** This instance is shutting down: reconnect, and the balancer picks another. */
  | "SHUTTING_DOWN";

/** A bad field, named by its proto field path (`device.platform`). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface AppErrorOptions {
  /** For INVALID_ARGUMENT: every bad field, not just the first. */
  readonly fieldViolations?: readonly FieldViolation[];
  /** Extra facts for the caller, e.g. `state_reason` of a deactivated device. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** For RATE_LIMITED: when a retry may succeed. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldViolations: readonly FieldViolation[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.fieldViolations = options.fieldViolations ?? [];
    this.metadata = options.metadata ?? {};
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Throws `AppError(code, message)` unless `condition` holds. */
export function assertThat(
  condition: unknown,
  code: ErrorCode,
  message: string,
  options?: AppErrorOptions,
): asserts condition {
  if (!condition) throw new AppError(code, message, options);
}

/**
 * At most this many violations go back (the rest are counted in the message): a request
 * with 30,000 bad repeated values once made a BadRequest too large for the trailers,
 * and the call hung until its deadline.
 */
export const MAX_REPORTED_VIOLATIONS = 20;

export function invalidArgument(violations: readonly FieldViolation[]): AppError {
  const reported = violations.slice(0, MAX_REPORTED_VIOLATIONS);
  const more = violations.length - reported.length;
  const summary = reported.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new AppError(
    "INVALID_ARGUMENT",
    `invalid request: ${summary}${more > 0 ? `; and ${more} more` : ""}`,
    { fieldViolations: reported },
  );
}
