import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { HeaderValue } from "./web-response.js";

/**
 * Which headers the translator passes between the web client and the gRPC server, and
 * in what form: a request's as gRPC metadata, a response's as the web answer's
 * metadata or trailer lines.
 */

export type WebRequest = IncomingMessage | Http2ServerRequest;

// Not passed on to the gRPC server: hop-by-hop, what the translation replaces, and
// grpc-* and connect-* headers (the deadline is set from the protocol's own header;
// compression is not negotiated through us).
const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
  "te",
  "content-length",
  "content-type",
  "accept",
  "accept-encoding",
  "x-grpc-web",
  "content-encoding",
]);
// Not passed back to the client: HTTP/2 framing and what the gRPC-Web response sets.
const DROPPED_RESPONSE_HEADERS = new Set([
  "content-type",
  "content-length",
  "date",
  "grpc-encoding",
  "grpc-accept-encoding",
]);

/** The request's headers as gRPC metadata, plus what gRPC over HTTP/2 requires. */
export function upstreamHeaders(
  req: WebRequest,
  path: string,
  timeout: string | undefined,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  };
  // Headers the Connection header names are hop-by-hop too.
  const hopByHop = new Set(
    String(req.headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase()),
  );
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":") || DROPPED_REQUEST_HEADERS.has(name)) continue;
    if (hopByHop.has(name)) continue;
    if (name.startsWith("grpc-") || name.startsWith("connect-")) continue;
    headers[name] = value;
  }
  if (timeout !== undefined) headers["grpc-timeout"] = timeout;
  const peer = req.socket.remoteAddress;
  if (peer !== undefined) {
    const forwarded = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = forwarded === undefined ? peer : `${String(forwarded)}, ${peer}`;
  }
  return headers;
}

export function metadataOf(headers: IncomingHttpHeaders): Array<[string, HeaderValue]> {
  const metadata: Array<[string, HeaderValue]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(":") || DROPPED_RESPONSE_HEADERS.has(name)) continue;
    metadata.push([name, value]);
  }
  return metadata;
}

export function trailerLines(headers: IncomingHttpHeaders): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  for (const [name, value] of metadataOf(headers)) {
    for (const item of typeof value === "string" ? [value] : value) lines.push([name, item]);
  }
  return lines;
}
