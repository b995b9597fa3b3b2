import type { IncomingHttpHeaders } from "node:http";
import type { DescMessage } from "@bufbuild/protobuf";
import { Status } from "nice-grpc";
import { translatorStatus, type TranslatorStatus } from "./translator-status.js";

/** The method a Connect call names: its messages (for JSON) and whether it streams. */
export interface ConnectMethod {
  readonly input: DescMessage;
  readonly output: DescMessage;
  readonly serverStreaming: boolean;
}

export type ConnectCodec = "json" | "proto";

/** `connect-timeout-ms` (at most 10 digits) as grpc-timeout, or why it is refused. */
export function connectTimeout(headers: IncomingHttpHeaders): string | undefined | TranslatorStatus {
  const version = headers["connect-protocol-version"];
  if (version !== undefined && version !== "1") {
    return translatorStatus.badRequest(`connect-protocol-version must be 1, not ${JSON.stringify(version)}`);
  }
  const timeout = headers["connect-timeout-ms"];
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "string" || !/^\d{1,10}$/.test(timeout)) {
    return translatorStatus.badRequest(
      "connect-timeout-ms must be a whole number of milliseconds (at most 10 digits)",
    );
  }
  const ms = Number(timeout);
  // grpc-timeout has 8 digits: longer deadlines go in whole seconds, rounded up.
  return ms <= 99_999_999 ? `${ms}m` : `${Math.ceil(ms / 1000)}S`;
}

/** A call the method table cannot serve with this protocol. */
export function unservable(method: ConnectMethod | undefined, streaming: boolean): TranslatorStatus | null {
  if (method === undefined) {
    return { code: Status.UNIMPLEMENTED, message: "no such method for Connect", reason: null };
  }
  if (method.serverStreaming === streaming) return null;
  const hint = streaming
    ? "a unary method: use application/json or application/proto"
    : "a server-streaming method: use application/connect+json or application/connect+proto";
  return { code: Status.UNIMPLEMENTED, message: `this is ${hint}`, reason: null };
}

/** Connect bodies may be compressed by agreement; nothing is agreed here. */
export function uncompressed(encoding: string | string[] | undefined): TranslatorStatus | null {
  if (encoding === undefined || encoding === "identity") return null;
  return translatorStatus.compressed(`compressed requests (${String(encoding)}) are not supported`);
}
