import { Status } from "nice-grpc";
import { BadRequest, ErrorInfo, RetryInfo, RichServerError } from "nice-grpc-error-details";
import type { ErrorCode } from "../../domain/errors.js";
import { AppError } from "../../domain/errors.js";
import { scopes, stateReasons } from "./enum-mapping.js";

export const ERROR_DOMAIN = "userlink.v1";

const STATUS_OF: Record<ErrorCode, Status> = {
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  API_KEY_INVALID: Status.UNAUTHENTICATED,
  API_KEY_EXPIRED: Status.UNAUTHENTICATED,
  API_KEY_REVOKED: Status.UNAUTHENTICATED,
  API_KEY_NOT_FOUND: Status.NOT_FOUND,
  API_KEY_LIMIT_REACHED: Status.FAILED_PRECONDITION,
  API_KEY_ALREADY_ROTATED: Status.FAILED_PRECONDITION,
  API_KEY_NOT_ROTATABLE: Status.FAILED_PRECONDITION,
  SCOPE_MISSING: Status.PERMISSION_DENIED,
  ADMIN_TOKEN_INVALID: Status.UNAUTHENTICATED,
  AUTH_CODE_INVALID: Status.UNAUTHENTICATED,
  AUTH_CODE_ALREADY_USED: Status.UNAUTHENTICATED,
  USER_NOT_FOUND: Status.NOT_FOUND,
  USER_DISABLED: Status.PERMISSION_DENIED,
  APP_NOT_FOUND: Status.NOT_FOUND,
  DEVICE_TOKEN_INVALID: Status.UNAUTHENTICATED,
  DEVICE_DEACTIVATED: Status.UNAUTHENTICATED,
  CREDENTIALS_REUSED: Status.UNAUTHENTICATED,
  RATE_LIMITED: Status.RESOURCE_EXHAUSTED,
  DEPENDENCY_UNAVAILABLE: Status.UNAVAILABLE,
  // A race lost even after the use case's own retries: the caller may try again.
  CONFLICT: Status.ABORTED,
  CLIENT_CERTIFICATE_REQUIRED: Status.UNAUTHENTICATED,
  SHUTTING_DOWN: Status.UNAVAILABLE,
};

/**
 * ErrorInfo metadata that services give as domain values (`RESET`) and clients read as
 * the proto's enum names (`STATE_REASON_RESET`), so services never spell proto names.
 */
const PROTO_NAMED_METADATA: Readonly<Record<string, (value: string) => string | null>> = {
  state_reason: (value) => stateReasons.protoName(value),
  required_scope: (value) => scopes.protoName(value),
};

function metadataToProto(metadata: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    out[key] = PROTO_NAMED_METADATA[key]?.(value) ?? value;
  }
  return out;
}

/**
 * The one place where domain errors become gRPC statuses: the code, a message that
 * never holds a secret, and the rich details (ErrorInfo always; BadRequest for bad
 * fields; RetryInfo when a retry may succeed later).
 */
export function toRichServerError(error: AppError): RichServerError {
  const details = [
    ErrorInfo.fromPartial({
      reason: error.code,
      domain: ERROR_DOMAIN,
      metadata: metadataToProto(error.metadata),
    }),
  ];
  const extra: (ErrorInfo | BadRequest | RetryInfo)[] = details;
  if (error.fieldViolations.length > 0) {
    extra.push(BadRequest.fromPartial({ fieldViolations: error.fieldViolations.map((v) => ({ ...v })) }));
  }
  if (error.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.ceil(error.retryAfterMs));
    extra.push(
      RetryInfo.fromPartial({
        retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
      }),
    );
  }
  return new RichServerError(STATUS_OF[error.code], error.message, extra);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
