import { ClientError, Status } from "nice-grpc-common";
import {
  decodeStatusDetails,
  type BadRequest,
  type ErrorInfo,
  type FieldViolation,
  type RetryInfo,
} from "./status-details.js";

/** A gRPC status by name: "UNAUTHENTICATED", "NOT_FOUND", "UNAVAILABLE", ... */
export type StatusName = keyof typeof Status;

export interface UserlinkErrorInit {
  readonly code: Status;
  readonly details: string;
  readonly method?: string | undefined;
  readonly errorInfo?: ErrorInfo | undefined;
  readonly badRequest?: BadRequest | undefined;
  readonly retryInfo?: RetryInfo | undefined;
}

/**
 * Every failed call of a userlink client rejects with this error (streams throw it from
 * the iteration). `code` is the numeric gRPC status, as grpc-js, nice-grpc and Connect
 * have it (compare with `Status.UNAUTHENTICATED`), `codeName` the same by name; `reason`,
 * `domain`, `metadata`, `fieldViolations` and `retryAfterMs` come from the `google.rpc`
 * details the service sends, also whole as `errorInfo`, `badRequest` and `retryInfo`.
 *
 * Failures that never reached the service are mapped too: a deadline that passed is
 * `DEADLINE_EXCEEDED`, an aborted call or a closed client `CANCELLED`, a request the
 * client refused (an enum value it does not know) `INVALID_ARGUMENT` with the field,
 * anything else unexpected `UNKNOWN`, with the original error as `cause`.
 */
export class UserlinkError extends Error {
  override readonly name = "UserlinkError";
  /** The gRPC status as a number (`Status.UNAUTHENTICATED` = 16). */
  readonly code: Status;
  /** The gRPC status by name, e.g. "UNAUTHENTICATED". */
  readonly codeName: StatusName;
  /** The same as `code` (0.1 clients read the number here). */
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
  /** The `google.rpc` details as they came; undefined when absent. */
  readonly errorInfo: ErrorInfo | undefined;
  readonly badRequest: BadRequest | undefined;
  readonly retryInfo: RetryInfo | undefined;

  constructor(init: UserlinkErrorInit, options?: { cause?: unknown }) {
    const codeName = (Status[init.code] ?? "UNKNOWN") as StatusName;
    const { errorInfo, badRequest, retryInfo } = init;
    const reason = errorInfo === undefined ? "" : ` ${errorInfo.reason}`;
    super(
      `${init.method === undefined ? "" : `${init.method} `}${codeName}${reason}: ${init.details}`,
      options,
    );
    this.code = init.code;
    this.codeName = codeName;
    this.status = init.code;
    this.details = init.details;
    this.method = init.method;
    this.errorInfo = errorInfo;
    this.badRequest = badRequest;
    this.retryInfo = retryInfo;
    this.reason = errorInfo?.reason;
    this.domain = errorInfo?.domain;
    this.metadata = errorInfo?.metadata ?? {};
    this.fieldViolations = badRequest?.fieldViolations ?? [];
    this.retryAfterMs = retryInfo?.retryDelayMs;
  }
}

/** Why this side ended a call early: its deadline passed, the client was closed, or the caller aborted. */
export type LocalEnd = "deadline" | "closed" | "aborted" | undefined;

const LOCAL_ENDS = {
  deadline: { code: Status.DEADLINE_EXCEEDED, details: "the deadline passed" },
  closed: { code: Status.CANCELLED, details: "the client was closed" },
  aborted: { code: Status.CANCELLED, details: "the call was aborted" },
} as const;

/**
 * Turns whatever a call threw into a UserlinkError. `statusDetails` are the raw bytes
 * of the `grpc-status-details-bin` trailer when the answer had one; `localEnd` says
 * why this side ended the call, when it did.
 */
export function toUserlinkError(
  error: unknown,
  statusDetails?: Uint8Array,
  localEnd?: LocalEnd,
): UserlinkError {
  if (error instanceof UserlinkError) return error;
  if (isClientError(error)) {
    // nice-grpc-web reports a fetch that failed (no connection, or a CORS refusal the
    // browser does not explain to the page) as UNKNOWN "Transport error": for the
    // caller that is a service it cannot reach, as gRPC itself would say.
    const unreachable = error.code === Status.UNKNOWN && error.details.startsWith("Transport error");
    return new UserlinkError(
      {
        code: unreachable ? Status.UNAVAILABLE : error.code,
        details: error.details,
        method: error.path,
        ...(statusDetails === undefined ? {} : decodeStatusDetails(statusDetails)),
      },
      { cause: error },
    );
  }
  const aborted = (error as { name?: unknown } | null)?.name === "AbortError";
  if (localEnd !== undefined || aborted) {
    return new UserlinkError(LOCAL_ENDS[localEnd ?? "aborted"], { cause: error });
  }
  const details = error instanceof Error ? error.message : String(error);
  return new UserlinkError({ code: Status.UNKNOWN, details }, { cause: error });
}

/** Duck-typed as well, so that a second copy of nice-grpc-common in a bundle cannot hide a status. */
function isClientError(error: unknown): error is ClientError {
  if (error instanceof ClientError) return true;
  if (!(error instanceof Error)) return false;
  const { code, details, path } = error as Partial<ClientError>;
  return typeof code === "number" && typeof details === "string" && typeof path === "string";
}
