import type { ServerResponse } from "node:http";
import { constants, Http2ServerResponse } from "node:http2";
import { encodeBase64 } from "./base64-text.js";
import { encodeTrailerFrame } from "./frame-codec.js";

export type WebResponseTarget = ServerResponse | Http2ServerResponse;

export type HeaderValue = string | readonly string[];

/**
 * The response of one gRPC-Web call: HTTP 200 with the gRPC response headers, then the
 * message frames as they come (base64 in text mode), then the trailer frame. The status
 * always travels in that last frame, never as HTTP status or headers.
 */
export class WebResponse {
  readonly #res: WebResponseTarget;
  readonly #contentType: string;
  readonly #text: boolean;
  readonly #baseHeaders: Record<string, string>;
  #ended = false;

  constructor(
    res: WebResponseTarget,
    options: { contentType: string; text: boolean; headers: Record<string, string> },
  ) {
    this.#res = res;
    this.#contentType = options.contentType;
    this.#text = options.text;
    this.#baseHeaders = options.headers;
  }

  /** True once the trailer frame was written or the client went away. */
  get ended(): boolean {
    return this.#ended || this.#res.destroyed;
  }

  /** Sends the status line and headers now, so the client sees them before any message. */
  sendHeaders(metadata: Iterable<readonly [string, HeaderValue]> = []): void {
    if (this.#res.headersSent) return;
    writeHead(this.#res, 200, this.#baseHeaders, metadata, this.#contentType);
    if ("flushHeaders" in this.#res) this.#res.flushHeaders();
  }

  /** Relays message bytes; false when the client is slow (wait for `onDrain`). */
  write(bytes: Uint8Array): boolean {
    if (this.ended) return true;
    this.sendHeaders();
    // Both response kinds take a chunk alone; their overloads differ only beyond that.
    return (this.#res as ServerResponse).write(this.#text ? encodeBase64(bytes) : bytes);
  }

  onDrain(listener: () => void): void {
    this.#res.once("drain", listener);
  }

  /** Writes the trailer frame and ends the response. */
  finish(trailers: Iterable<readonly [string, string]>, options: { closeConnection?: boolean } = {}): void {
    if (this.ended) return;
    this.#ended = true;
    const res = this.#res;
    // The request body was not read to its end: an HTTP/1.1 connection cannot carry
    // another request, and an HTTP/2 stream is reset (NO_ERROR) once the answer is out,
    // so that the client stops sending.
    const unread = options.closeConnection === true;
    closeConnectionIfUnread(res, unread);
    this.sendHeaders();
    const frame = encodeTrailerFrame(trailers);
    endResponse(res, this.#text ? encodeBase64(frame) : frame, unread);
  }
}

/**
 * Writes the status line: our own `headers`, then the call's metadata as the gRPC server
 * sent it, then the content type. Every answer of the port (gRPC-Web, Connect unary and
 * streaming) goes through here.
 */
export function writeHead(
  res: WebResponseTarget,
  status: number,
  headers: Readonly<Record<string, string>>,
  metadata: Iterable<readonly [string, HeaderValue]>,
  contentType: string,
): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  for (const [name, value] of metadata) {
    try {
      res.setHeader(name, value as string | string[]);
    } catch {
      // A value HTTP/2 carried that HTTP/1.1 cannot: that header is left out.
    }
  }
  res.setHeader("content-type", contentType);
  res.writeHead(status);
}

/** Before the headers go: an HTTP/1.1 answer to a body left unread closes the connection. */
export function closeConnectionIfUnread(res: WebResponseTarget, unread: boolean): void {
  if (unread && !res.headersSent && !(res instanceof Http2ServerResponse))
    res.setHeader("connection", "close");
}

/** Ends the answer with `last`; an HTTP/2 stream whose body was left unread is reset (NO_ERROR) after it. */
export function endResponse(res: WebResponseTarget, last: Uint8Array | string, unread: boolean): void {
  (res as ServerResponse).end(last, () => {
    if (unread && res instanceof Http2ServerResponse && !res.stream.closed) {
      res.stream.close(constants.NGHTTP2_NO_ERROR);
    }
  });
}
