import { Status, type ClientError } from "nice-grpc";
import {
  BadRequest,
  ErrorInfo,
  RetryInfo,
  RichClientError,
  type ErrorDetails,
} from "nice-grpc-error-details";

/** A gRPC status by name: "UNAUTHENTICATED", "NOT_FOUND", "UNAVAILABLE", ... */
export type StatusName = keyof typeof Status;

/** One entry of a `google.rpc.BadRequest`: the proto field path and what is wrong with it. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface UserlinkErrorInit {
  readonly status: Status;
  readonly details: string;
  readonly method?: string | undefined;
  readonly reason?: string | undefined;
  readonly domain?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly fieldViolations?: readonly FieldViolation[];
  readonly retryAfterMs?: number | undefined;
}

/**
 * Every failed call of a userlink client rejects with this error (streams throw it from
 * the iteration). `code` is the gRPC status by name and `status` the same as a number;
 * `reason`, `metadata`, `fieldViolations` and `retryAfterMs` come from the rich error
 * details the service sends (`ErrorInfo`, `BadRequest`, `RetryInfo`).
 *
 * Failures that never reached the service are mapped too: a deadline that passed is
 * `DEADLINE_EXCEEDED`, a call aborted through its `signal` is `CANCELLED`, anything
 * else unexpected is `UNKNOWN`, with the original error as `cause`.
 */
export class UserlinkError extends Error {
  override readonly name = "UserlinkError";
  /** The gRPC status by name, e.g. "UNAUTHENTICATED". */
  readonly code: StatusName;
  /** The gRPC status as a number (`Status.UNAUTHENTICATED` = 16). */
  readonly status: Status;
  /** The status message the service sent, without the method and code around it. */
  readonly details: string;
  /** The full method, `/userlink.v1.LinkService/GetUser`, when known. */
  readonly method: string | undefined;
  /** `ErrorInfo.reason`, e.g. "AUTH_CODE_ALREADY_USED"; undefined when the answer had none. */
  readonly reason: string | undefined;
  /** `ErrorInfo.domain`: "userlink.v1" for the service's own errors. */
  readonly domain: string | undefined;
  /** `ErrorInfo.metadata`, e.g. `{ state_reason: "STATE_REASON_REPLACED_BY_NEWER_DEVICE" }`; empty when none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** `BadRequest.field_violations`, with proto field names (`device.platform`); empty when none. */
  readonly fieldViolations: readonly FieldViolation[];
  /** `RetryInfo.retry_delay` in milliseconds (rate limits); undefined when none. */
  readonly retryAfterMs: number | undefined;

  constructor(init: UserlinkErrorInit, options?: { cause?: unknown }) {
    const code = (Status[init.status] ?? "UNKNOWN") as StatusName;
    const reason = init.reason === undefined ? "" : ` ${init.reason}`;
    super(`${init.method === undefined ? "" : `${init.method} `}${code}${reason}: ${init.details}`, options);
    this.code = code;
    this.status = init.status;
    this.details = init.details;
    this.method = init.method;
    this.reason = init.reason;
    this.domain = init.domain;
    this.metadata = init.metadata ?? {};
    this.fieldViolations = init.fieldViolations ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Turns whatever a call threw into a UserlinkError, decoding the rich error details. */
export function toUserlinkError(error: unknown): UserlinkError {
  if (error instanceof UserlinkError) return error;
  if (isClientError(error)) {
    const extra = error instanceof RichClientError ? error.extra : [];
    return new UserlinkError(
      { status: error.code, details: error.details, method: error.path, ...fromDetails(extra) },
      { cause: error },
    );
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new UserlinkError({ status: Status.CANCELLED, details: "the call was aborted" }, { cause: error });
  }
  const details = error instanceof Error ? error.message : String(error);
  return new UserlinkError({ status: Status.UNKNOWN, details }, { cause: error });
}

/** Duck-typed, so that a second copy of nice-grpc-common in the tree cannot hide a status. */
function isClientError(error: unknown): error is ClientError {
  if (!(error instanceof Error)) return false;
  const { code, details, path } = error as Partial<ClientError>;
  return typeof code === "number" && typeof details === "string" && typeof path === "string";
}

function fromDetails(extra: readonly ErrorDetails[]): Partial<UserlinkErrorInit> {
  const info = extra.find((d): d is ErrorInfo => d.$type === ErrorInfo.$type);
  const badRequest = extra.find((d): d is BadRequest => d.$type === BadRequest.$type);
  const retry = extra.find((d): d is RetryInfo => d.$type === RetryInfo.$type);
  const delay = retry?.retryDelay;
  return {
    reason: info?.reason,
    domain: info?.domain,
    metadata: { ...info?.metadata },
    fieldViolations: (badRequest?.fieldViolations ?? []).map(({ field, description }) => ({
      field,
      description,
    })),
    retryAfterMs:
      delay === undefined ? undefined : Math.ceil(Number(delay.seconds) * 1_000 + delay.nanos / 1_000_000),
  };
}
