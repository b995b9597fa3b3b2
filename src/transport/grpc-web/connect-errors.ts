import { fromBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Status } from "nice-grpc";
import { descriptorSet } from "../descriptor-set.js";

/** Connect's names of the gRPC codes (https://connectrpc.com/docs/protocol#error-codes). */
const CODE_NAMES: Record<Status, string> = {
  [Status.OK]: "ok",
  [Status.CANCELLED]: "canceled",
  [Status.UNKNOWN]: "unknown",
  [Status.INVALID_ARGUMENT]: "invalid_argument",
  [Status.DEADLINE_EXCEEDED]: "deadline_exceeded",
  [Status.NOT_FOUND]: "not_found",
  [Status.ALREADY_EXISTS]: "already_exists",
  [Status.PERMISSION_DENIED]: "permission_denied",
  [Status.RESOURCE_EXHAUSTED]: "resource_exhausted",
  [Status.FAILED_PRECONDITION]: "failed_precondition",
  [Status.ABORTED]: "aborted",
  [Status.OUT_OF_RANGE]: "out_of_range",
  [Status.UNIMPLEMENTED]: "unimplemented",
  [Status.INTERNAL]: "internal",
  [Status.UNAVAILABLE]: "unavailable",
  [Status.DATA_LOSS]: "data_loss",
  [Status.UNAUTHENTICATED]: "unauthenticated",
};

/** The HTTP status of a unary Connect error, by Connect's table. */
const HTTP_STATUS: Record<Status, number> = {
  [Status.OK]: 200,
  [Status.CANCELLED]: 499,
  [Status.UNKNOWN]: 500,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.DEADLINE_EXCEEDED]: 504,
  [Status.NOT_FOUND]: 404,
  [Status.ALREADY_EXISTS]: 409,
  [Status.PERMISSION_DENIED]: 403,
  [Status.RESOURCE_EXHAUSTED]: 429,
  [Status.FAILED_PRECONDITION]: 400,
  [Status.ABORTED]: 409,
  [Status.OUT_OF_RANGE]: 400,
  [Status.UNIMPLEMENTED]: 501,
  [Status.INTERNAL]: 500,
  [Status.UNAVAILABLE]: 503,
  [Status.DATA_LOSS]: 500,
  [Status.UNAUTHENTICATED]: 401,
};

export interface ConnectErrorDetail {
  /** The detail's full type name, e.g. google.rpc.ErrorInfo. */
  readonly type: string;
  /** Its binary encoding, base64 without padding. */
  readonly value: string;
  /** The same as JSON, for people reading the answer (clients decode `value`). */
  readonly debug?: JsonValue;
}

export interface ConnectError {
  readonly code: string;
  readonly message: string;
  readonly details: ConnectErrorDetail[];
}

/** What a gRPC call's trailers say, in Connect's terms. */
export interface ConnectOutcome {
  /** The gRPC status code (OK when the call succeeded). */
  readonly status: Status;
  /** Connect's error, null for OK. */
  readonly error: ConnectError | null;
  /** Every trailer but the status ones, by name. */
  readonly trailers: Map<string, string[]>;
}

const STATUS_TRAILERS = new Set(["grpc-status", "grpc-message", "grpc-status-details-bin"]);

export function connectOutcome(trailerLines: Iterable<readonly [string, string]>): ConnectOutcome {
  const trailers = new Map<string, string[]>();
  const status: Record<string, string> = {};
  for (const [name, value] of trailerLines) {
    if (STATUS_TRAILERS.has(name)) status[name] = value;
    else trailers.set(name, [...(trailers.get(name) ?? []), value]);
  }
  const code = Number(status["grpc-status"] ?? Status.UNKNOWN);
  const known = Number.isInteger(code) && code in CODE_NAMES ? (code as Status) : Status.UNKNOWN;
  if (known === Status.OK) return { status: known, error: null, trailers };
  return {
    status: known,
    error: {
      code: CODE_NAMES[known],
      message: percentDecode(status["grpc-message"] ?? ""),
      details: detailsOf(status["grpc-status-details-bin"]),
    },
    trailers,
  };
}

export function httpStatusOf(status: Status): number {
  return HTTP_STATUS[status] ?? 500;
}

function percentDecode(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

/** google.rpc.Status's details, each Any as Connect carries it. */
function detailsOf(bin: string | undefined): ConnectErrorDetail[] {
  if (bin === undefined) return [];
  const { registry } = descriptorSet();
  const statusType = registry.getMessage("google.rpc.Status");
  if (statusType === undefined) return [];
  try {
    const decoded = fromBinary(statusType, Buffer.from(bin, "base64")) as unknown as {
      details: { typeUrl: string; value: Uint8Array }[];
    };
    return decoded.details.map((any) => {
      const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
      const value = Buffer.from(any.value).toString("base64").replace(/=+$/, "");
      const message = anyUnpack(any as never, registry);
      const desc = registry.getMessage(type);
      return message !== undefined && desc !== undefined
        ? { type, value, debug: toJson(desc, message, { registry }) }
        : { type, value };
    });
  } catch {
    // Unreadable details are left out; the code and message still say what happened.
    return [];
  }
}
