import { ClientError, Status } from "nice-grpc-web";
import { decodeStatusDetails, type FieldViolation, type StatusDetails } from "./status-details.js";

export type { FieldViolation } from "./status-details.js";

/** A gRPC status by name: "UNAUTHENTICATED", "NOT_FOUND", "UNAVAILABLE", ... */
export type StatusName = keyof typeof Status;

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
 * Every failed call of a userlink web client rejects with this error (streams throw it
 * from the iteration). `code` is the gRPC status by name and `status` the same as a
 * number; `reason`, `domain`, `metadata`, `fieldViolations` and `retryAfterMs` come from
 * the `google.rpc` details the service sends in `grpc-status-details-bin`.
 *
 * Failures that never reached the service are mapped too: a deadline that passed is
 * `DEADLINE_EXCEEDED`, an aborted call `CANCELLED`, a request the browser could not
 * send (network down, or an origin the service does not allow) `UNAVAILABLE`.
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

/** Why this side ended a call early: its deadline passed, the client was closed, or the caller aborted. */
export type LocalEnd = "deadline" | "closed" | "aborted" | undefined;

const LOCAL_ENDS = {
  deadline: { status: Status.DEADLINE_EXCEEDED, details: "the deadline passed" },
  closed: { status: Status.CANCELLED, details: "the client was closed" },
  aborted: { status: Status.CANCELLED, details: "the call was aborted" },
} as const;

/**
 * Turns whatever a call threw into a UserlinkError. `statusDetails` are the raw bytes
 * of the `grpc-status-details-bin` trailer when the answer had one; `localEnd` says
 * why this side ended the call, when it did.
 */
export function toUserlinkError(
  error: unknown,
  statusDetails: Uint8Array | undefined,
  localEnd: LocalEnd,
): UserlinkError {
  if (error instanceof UserlinkError) return error;
  if (isClientError(error)) {
    // nice-grpc-web reports a fetch that failed (no connection, or a CORS refusal the
    // browser does not explain to the page) as UNKNOWN "Transport error": for the
    // caller that is a service it cannot reach, as gRPC itself would say.
    const unreachable = error.code === Status.UNKNOWN && error.details.startsWith("Transport error");
    const details: Partial<StatusDetails> =
      statusDetails === undefined ? {} : decodeStatusDetails(statusDetails);
    return new UserlinkError(
      {
        status: unreachable ? Status.UNAVAILABLE : error.code,
        details: error.details,
        method: error.path,
        ...details,
      },
      { cause: error },
    );
  }
  const aborted = (error as { name?: unknown } | null)?.name === "AbortError";
  if (localEnd !== undefined || aborted) {
    return new UserlinkError(LOCAL_ENDS[localEnd ?? "aborted"], { cause: error });
  }
  const details = error instanceof Error ? error.message : String(error);
  return new UserlinkError({ status: Status.UNKNOWN, details }, { cause: error });
}

/** Duck-typed as well, so that a second copy of nice-grpc-common in a bundle cannot hide a status. */
function isClientError(error: unknown): error is ClientError {
  if (error instanceof ClientError) return true;
  if (!(error instanceof Error)) return false;
  const { code, details, path } = error as Partial<ClientError>;
  return typeof code === "number" && typeof details === "string" && typeof path === "string";
}
