import { request as http1Request, type IncomingHttpHeaders } from "node:http";
import { request as https1Request } from "node:https";
import { connect } from "node:http2";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { ErrorInfo } from "nice-grpc-error-details";

/** A gRPC-Web response read off the wire, frame by frame. */
export interface RawWebAnswer {
  readonly httpStatus: number;
  readonly headers: IncomingHttpHeaders;
  /** Message frames, decoded from base64 in text mode. */
  readonly messages: Buffer[];
  /** The trailer frame's lines (names lower-case); empty when there was none. */
  readonly trailers: Record<string, string>;
  /** grpc-status as a number, or null without a trailer frame. */
  readonly status: number | null;
  /** ErrorInfo.reason from grpc-status-details-bin, if any. */
  readonly reason: string | null;
  /** The raw body, for answers that are not gRPC-Web. */
  readonly body: Buffer;
}

export interface RawWebRequest {
  readonly path: string;
  /** Sent exactly as given (already base64 in text mode). */
  readonly body: Buffer | string | Array<Buffer | string>;
  readonly text?: boolean;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly protocol?: "http1" | "http2";
  /** Leaves the request body unfinished after the parts, as a stalled client would. */
  readonly keepOpen?: boolean;
  /** For an https:// URL: the CA to trust. */
  readonly ca?: Buffer;
}

/** One length-prefixed message frame. */
export function frame(message: Uint8Array, flags = 0): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/**
 * Sends a gRPC-Web request byte for byte as given (over HTTP/1.1 or cleartext HTTP/2)
 * and parses whatever comes back, to see how the endpoint treats what a real client
 * would never send.
 */
export async function rawGrpcWeb(url: string, req: RawWebRequest): Promise<RawWebAnswer> {
  const headers = {
    "content-type": req.text === true ? "application/grpc-web-text" : "application/grpc-web+proto",
    "x-grpc-web": "1",
    ...req.headers,
  };
  const parts = (Array.isArray(req.body) ? req.body : [req.body]).map((p) =>
    typeof p === "string" ? Buffer.from(p, "latin1") : p,
  );
  const { httpStatus, responseHeaders, body } =
    req.protocol === "http2"
      ? await sendHttp2(url, req.method ?? "POST", req.path, headers, parts, req.keepOpen === true, req.ca)
      : await sendHttp1(url, req.method ?? "POST", req.path, headers, parts, req.keepOpen === true, req.ca);
  const contentType = String(responseHeaders["content-type"] ?? "");
  if (!contentType.startsWith("application/grpc-web")) {
    return {
      httpStatus,
      headers: responseHeaders,
      messages: [],
      trailers: {},
      status: null,
      reason: null,
      body,
    };
  }
  const bytes = contentType.startsWith("application/grpc-web-text")
    ? decodePaddedBase64(body.toString("latin1"))
    : body;
  return { httpStatus, headers: responseHeaders, body, ...parseFrames(bytes) };
}

function sendHttp1(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  parts: Buffer[],
  keepOpen: boolean,
  ca?: Buffer,
) {
  return new Promise<{ httpStatus: number; responseHeaders: IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const target = new URL(path, url);
      const send = target.protocol === "https:" ? https1Request : http1Request;
      const req = send(target, { method, headers, ...(ca && { ca }) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            httpStatus: res.statusCode ?? 0,
            responseHeaders: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      // Without content-length the body goes chunked, in these parts.
      for (const part of parts) req.write(part);
      if (!keepOpen) req.end();
    },
  );
}

function sendHttp2(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  parts: Buffer[],
  keepOpen: boolean,
  ca?: Buffer,
) {
  return new Promise<{ httpStatus: number; responseHeaders: IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const session = connect(url, ca ? { ca } : {});
      session.on("error", reject);
      const stream = session.request({ ":method": method, ":path": path, ...headers });
      let httpStatus = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        httpStatus = Number(h[":status"]);
        responseHeaders = h;
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        session.close();
        resolve({ httpStatus, responseHeaders, body: Buffer.concat(chunks) });
      });
      stream.on("error", (error) => {
        session.destroy();
        reject(error);
      });
      for (const part of parts) stream.write(part);
      if (!keepOpen) stream.end();
    },
  );
}

/** Base64 made of padded chunks one after the other, as gRPC-Web text allows. */
export function decodePaddedBase64(text: string): Buffer {
  return Buffer.concat((text.match(/[^=]+=*|=+/g) ?? []).map((chunk) => Buffer.from(chunk, "base64")));
}

function parseFrames(bytes: Buffer) {
  const messages: Buffer[] = [];
  const trailers: Record<string, string> = {};
  for (let offset = 0; offset + 5 <= bytes.length;) {
    const flags = bytes.readUInt8(offset);
    const length = bytes.readUInt32BE(offset + 1);
    const payload = bytes.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if ((flags & 0x80) === 0) {
      messages.push(payload);
      continue;
    }
    for (const line of payload.toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  const status = trailers["grpc-status"] === undefined ? null : Number(trailers["grpc-status"]);
  const details = trailers["grpc-status-details-bin"];
  return { messages, trailers, status, reason: details === undefined ? null : errorInfoReason(details) };
}

/** ErrorInfo.reason inside a base64 google.rpc.Status (grpc-status-details-bin), read field by field. */
export function errorInfoReason(detailsBin: string): string | null {
  const status = new BinaryReader(decodePaddedBase64(detailsBin));
  while (status.pos < status.len) {
    const [field, wireType] = status.tag();
    if (field !== 3) {
      status.skip(wireType);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let typeUrl = "";
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [anyField, anyWire] = any.tag();
      if (anyField === 1) typeUrl = any.string();
      else if (anyField === 2) value = any.bytes();
      else any.skip(anyWire);
    }
    if (typeUrl.endsWith(`/${ErrorInfo.$type}`)) return ErrorInfo.decode(value).reason;
  }
  return null;
}
