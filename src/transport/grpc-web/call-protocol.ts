import type { IncomingHttpHeaders } from "node:http";
import { decodeBase64Chunks } from "./base64-text.js";
import { checkRequestFrames, FRAME_HEADER_BYTES } from "./frame-codec.js";
import { translatorStatus, type TranslatorStatus } from "./translator-status.js";
import { WebResponse, type HeaderValue, type WebResponseTarget } from "./web-response.js";

/**
 * Where one call's answer goes: gRPC-Web frames, or Connect's unary body or envelopes.
 * The translator hands it the gRPC server's response as it comes: the headers, the
 * message frames' bytes, then the trailers.
 */
export interface CallResponse {
  /** True once the answer is complete or the client went away. */
  readonly ended: boolean;
  sendHeaders(metadata?: Iterable<readonly [string, HeaderValue]>): void;
  /** Bytes of gRPC message frames, cut anywhere; false when the client is slow. */
  write(bytes: Uint8Array): boolean;
  onDrain(listener: () => void): void;
  finish(trailers: Iterable<readonly [string, string]>, options?: { closeConnection?: boolean }): void;
}

/** How one wire protocol's calls become gRPC calls and back. */
export interface CallProtocol {
  /** Largest body on the wire for `maxRequestBytes` of messages. */
  wireLimit(maxRequestBytes: number): number;
  /** The deadline to pass on as grpc-timeout (undefined: none), or why it is refused. */
  timeout(headers: IncomingHttpHeaders): string | undefined | TranslatorStatus;
  /** The request body as gRPC message frames, or why it cannot be relayed. */
  toGrpcFrames(wire: Buffer, maxRequestBytes: number): Buffer | TranslatorStatus;
  respond(res: WebResponseTarget, headers: Record<string, string>): CallResponse;
}

export function isTranslatorStatus(value: unknown): value is TranslatorStatus {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

/** PROTOCOL-HTTP2.md's Timeout: up to 8 digits and a unit (grpc-js answers INTERNAL to others). */
const GRPC_TIMEOUT = /^\d{1,8}[HMSmun]$/;

/** gRPC-Web, binary or base64 text: frames on the way in, frames and a trailer frame out. */
export function grpcWebProtocol(contentType: string, text: boolean): CallProtocol {
  return {
    wireLimit: (max) => (text ? Math.ceil(max / 3) * 4 : max),
    timeout: (headers) => {
      const timeout = headers["grpc-timeout"];
      if (timeout === undefined) return undefined;
      return GRPC_TIMEOUT.test(String(timeout))
        ? String(timeout)
        : translatorStatus.badRequest("grpc-timeout is not a valid timeout");
    },
    toGrpcFrames: (wire, max) => {
      const body = text ? decodeBase64Chunks(wire.toString("latin1")) : wire;
      if (body === null) return translatorStatus.badRequest("the request body is not valid base64");
      if (body.length > max)
        return translatorStatus.badRequest(`the request body is larger than ${max} bytes`);
      const problem = checkRequestFrames(body, max - FRAME_HEADER_BYTES);
      if (problem === null) return body;
      return problem.kind === "compressed"
        ? translatorStatus.compressed(problem.message)
        : translatorStatus.badRequest(problem.message);
    },
    respond: (res, headers) => new WebResponse(res, { contentType, text, headers }),
  };
}

/** The gRPC-Web protocol of `contentType`, or null when it is not gRPC-Web with protobuf messages. */
export function grpcWebProtocolOf(contentType: string | undefined): CallProtocol | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/grpc-web" || type === "application/grpc-web+proto") {
    return grpcWebProtocol(type, false);
  }
  if (type === "application/grpc-web-text" || type === "application/grpc-web-text+proto") {
    return grpcWebProtocol(type, true);
  }
  return null;
}
