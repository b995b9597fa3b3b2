import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** One entry of a `google.rpc.BadRequest`: the proto field path and what is wrong with it. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** `google.rpc.ErrorInfo`: why the call failed, as a machine-readable reason. */
export interface ErrorInfo {
  /** e.g. "AUTH_CODE_ALREADY_USED". */
  readonly reason: string;
  /** "userlink.v1" for the service's own errors. */
  readonly domain: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** `google.rpc.BadRequest`: the fields of the request that were refused. */
export interface BadRequest {
  readonly fieldViolations: readonly FieldViolation[];
}

/** `google.rpc.RetryInfo`, its `retry_delay` in whole milliseconds (rounded up). */
export interface RetryInfo {
  readonly retryDelayMs: number;
}

/** The details of a `google.rpc.Status` userlink sends, each absent when the answer had none. */
export interface StatusDetails {
  readonly errorInfo?: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly retryInfo?: RetryInfo;
}

const TYPE_PREFIX = "type.googleapis.com/google.rpc.";

/**
 * Decodes the few `google.rpc` messages userlink sends in `grpc-status-details-bin`: a
 * `Status` whose `details` hold `ErrorInfo`, `BadRequest` and `RetryInfo` as `Any`s.
 * Written against the wire format, for both clients, because nice-grpc-error-details
 * pulls protobufjs and long into a browser bundle for what is a dozen fields. Other
 * detail types are skipped; bytes that do not decode give no details rather than an
 * error, so the status itself always reaches the caller.
 */
export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const details: { errorInfo?: ErrorInfo; badRequest?: BadRequest; retryInfo?: RetryInfo } = {};
  const violations: FieldViolation[] = [];
  try {
    readFields(new BinaryReader(bytes), (field, reader) => {
      if (field !== 3) return false; // Status.details (code and message come as grpc-status/-message)
      const any = readAny(reader.bytes());
      switch (any.typeUrl) {
        case `${TYPE_PREFIX}ErrorInfo`:
          details.errorInfo = readErrorInfo(any.value);
          return true;
        case `${TYPE_PREFIX}BadRequest`:
          violations.push(...readBadRequest(any.value));
          details.badRequest = { fieldViolations: violations };
          return true;
        case `${TYPE_PREFIX}RetryInfo`: {
          const delay = readRetryDelayMs(any.value);
          if (delay !== undefined) details.retryInfo = { retryDelayMs: delay };
          return true;
        }
        default:
          return true;
      }
    });
  } catch {
    return {};
  }
  return details;
}

/** Calls `onField` for each field; a field it does not read (returns false) is skipped. */
function readFields(reader: BinaryReader, onField: (field: number, reader: BinaryReader) => boolean): void {
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const lengthDelimited = wireType === WireType.LengthDelimited;
    if (!lengthDelimited || !onField(field, reader)) reader.skip(wireType, field);
  }
}

function readAny(bytes: Uint8Array): { typeUrl: string; value: Uint8Array } {
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  readFields(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) typeUrl = reader.string();
    else if (field === 2) value = reader.bytes();
    else return false;
    return true;
  });
  return { typeUrl, value };
}

function readErrorInfo(bytes: Uint8Array): ErrorInfo {
  const info = { reason: "", domain: "", metadata: {} as Record<string, string> };
  readFields(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) info.reason = reader.string();
    else if (field === 2) info.domain = reader.string();
    else if (field === 3) {
      const entry = readStrings(reader.bytes());
      info.metadata[entry[1] ?? ""] = entry[2] ?? "";
    } else return false;
    return true;
  });
  return info;
}

function readBadRequest(bytes: Uint8Array): FieldViolation[] {
  const violations: FieldViolation[] = [];
  readFields(new BinaryReader(bytes), (field, reader) => {
    if (field !== 1) return false;
    const violation = readStrings(reader.bytes());
    violations.push({ field: violation[1] ?? "", description: violation[2] ?? "" });
    return true;
  });
  return violations;
}

function readRetryDelayMs(bytes: Uint8Array): number | undefined {
  let delayMs: number | undefined;
  readFields(new BinaryReader(bytes), (field, reader) => {
    if (field !== 1) return false;
    delayMs = readDurationMs(reader.bytes());
    return true;
  });
  return delayMs;
}

/** A `google.protobuf.Duration` in whole milliseconds, rounded up. */
function readDurationMs(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) seconds = Number(reader.int64());
    else if (field === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, field);
  }
  return Math.ceil(seconds * 1_000 + nanos / 1_000_000);
}

/** Fields 1 and 2 of a message whose first two fields are strings (a map entry, a FieldViolation). */
function readStrings(bytes: Uint8Array): { 1?: string; 2?: string } {
  const strings: { 1?: string; 2?: string } = {};
  readFields(new BinaryReader(bytes), (field, reader) => {
    if (field !== 1 && field !== 2) return false;
    strings[field] = reader.string();
    return true;
  });
  return strings;
}
