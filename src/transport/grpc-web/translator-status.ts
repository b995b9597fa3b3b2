import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { constants } from "node:http2";
import { Status } from "nice-grpc";
import { BadRequest, ErrorInfo } from "nice-grpc-error-details";
import { ERROR_DOMAIN } from "../grpc/error-mapping.js";

/** A status the translator answers itself, when a call cannot reach the gRPC server. */
export interface TranslatorStatus {
  readonly code: Status;
  readonly message: string;
  /** The ErrorInfo reason, as the gRPC server would give it; none for INTERNAL. */
  readonly reason: string | null;
  /** For INVALID_ARGUMENT: the fields at fault, sent as a google.rpc.BadRequest. */
  readonly fieldViolations?: readonly { readonly field: string; readonly description: string }[];
}

export const translatorStatus = {
  badRequest: (
    message: string,
    fieldViolations: readonly { field: string; description: string }[] = [],
  ): TranslatorStatus => ({
    code: Status.INVALID_ARGUMENT,
    message,
    reason: "INVALID_ARGUMENT",
    fieldViolations,
  }),
  compressed: (message: string): TranslatorStatus => ({
    code: Status.UNIMPLEMENTED,
    message,
    reason: "COMPRESSION_UNSUPPORTED",
  }),
  unknownMethod: (): TranslatorStatus => ({
    code: Status.UNIMPLEMENTED,
    message: "not a gRPC method path",
    reason: null,
  }),
  unavailable: (message: string): TranslatorStatus => ({
    code: Status.UNAVAILABLE,
    message,
    reason: "DEPENDENCY_UNAVAILABLE",
  }),
  bodyTooSlow: (): TranslatorStatus => ({
    code: Status.DEADLINE_EXCEEDED,
    message: "the request body did not arrive in time",
    reason: null,
  }),
  internal: (): TranslatorStatus => ({ code: Status.INTERNAL, message: "internal error", reason: null }),
};

/** The trailers of `status`: grpc-status, grpc-message and, with a reason, the rich details. */
export function trailersOf(status: TranslatorStatus): Array<[string, string]> {
  const trailers: Array<[string, string]> = [
    ["grpc-status", String(status.code)],
    ["grpc-message", encodeGrpcMessage(status.message)],
  ];
  if (status.reason !== null) {
    trailers.push(["grpc-status-details-bin", encodeStatusDetails(status).toString("base64")]);
  }
  return trailers;
}

/** grpc-message is percent-encoded: printable ASCII but `%` stays as it is. */
export function encodeGrpcMessage(message: string): string {
  return Array.from(Buffer.from(message, "utf8"), (byte) =>
    byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");
}

// google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3 }
// with an Any { string type_url = 1; bytes value = 2 } holding the ErrorInfo (and one
// holding the BadRequest when fields are named).
function encodeStatusDetails(status: TranslatorStatus): Buffer {
  const details: [string, Uint8Array][] = [
    [
      ErrorInfo.$type,
      ErrorInfo.encode(ErrorInfo.fromPartial({ reason: status.reason ?? "", domain: ERROR_DOMAIN })).finish(),
    ],
  ];
  if (status.fieldViolations !== undefined && status.fieldViolations.length > 0) {
    const violations = status.fieldViolations.map((v) => ({ ...v }));
    details.push([
      BadRequest.$type,
      BadRequest.encode(BadRequest.fromPartial({ fieldViolations: violations })).finish(),
    ]);
  }
  const writer = new BinaryWriter().uint32(8).int32(status.code).uint32(18).string(status.message);
  for (const [type, value] of details) {
    const any = new BinaryWriter().uint32(10).string(`type.googleapis.com/${type}`).uint32(18).bytes(value);
    writer.uint32(26).bytes(any.finish());
  }
  const encoded = writer.finish();
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** A non-200 answer of the gRPC server, as gRPC clients read it (PROTOCOL-HTTP2.md). */
export function statusOfHttpStatus(httpStatus: number): TranslatorStatus {
  const message = `the gRPC server answered HTTP ${httpStatus}`;
  switch (httpStatus) {
    case 400:
      return { code: Status.INTERNAL, message, reason: null };
    case 401:
      return { code: Status.UNAUTHENTICATED, message, reason: null };
    case 403:
      return { code: Status.PERMISSION_DENIED, message, reason: null };
    case 404:
      return { code: Status.UNIMPLEMENTED, message, reason: null };
    case 429:
    case 502:
    case 503:
    case 504:
      return translatorStatus.unavailable(message);
    default:
      return { code: Status.UNKNOWN, message, reason: null };
  }
}

/**
 * A stream the gRPC server reset without a status. A reset the client did not ask for
 * (CANCEL, REFUSED_STREAM) means the server is going away: UNAVAILABLE, to try again.
 */
export function statusOfReset(rstCode: number): TranslatorStatus {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
    case constants.NGHTTP2_CANCEL:
      return translatorStatus.unavailable("the gRPC server ended the call");
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: Status.RESOURCE_EXHAUSTED, message: "the gRPC server refused the call", reason: null };
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return { code: Status.PERMISSION_DENIED, message: "the gRPC server refused the call", reason: null };
    default:
      return translatorStatus.internal();
  }
}
