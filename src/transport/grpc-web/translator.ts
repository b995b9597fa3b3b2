import { constants, type ClientHttp2Stream } from "node:http2";
import type { Logger } from "../../ports/logger.js";
import { isTranslatorStatus, type CallProtocol, type CallResponse } from "./call-protocol.js";
import type { GrpcUpstream } from "./grpc-upstream.js";
import { readBody } from "./read-body.js";
import { metadataOf, trailerLines, upstreamHeaders, type WebRequest } from "./relay-headers.js";
import {
  statusOfHttpStatus,
  statusOfReset,
  trailersOf,
  translatorStatus,
  type TranslatorStatus,
} from "./translator-status.js";
import type { WebResponseTarget } from "./web-response.js";

/** `/package.Service/Method`: nothing else is a gRPC call. */
const METHOD_PATH = /^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;

export interface TranslatorOptions {
  readonly upstream: GrpcUpstream;
  /** Largest request body, decoded (the base64 of text mode may be a third longer). */
  readonly maxRequestBytes: number;
  /** How long a client may take to send its whole request body. */
  readonly bodyTimeoutMs?: number;
  readonly log: Logger;
}

const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * Relays gRPC-Web and Connect calls to the gRPC server and back: the call's protocol
 * turns the request body into gRPC frames (gRPC-Web's checked and passed on as they
 * are, Connect's JSON translated) and the response's frames and trailers into its own
 * answer as they arrive. A client that goes away cancels the upstream stream (RST_STREAM), so
 * the handler's AbortSignal fires.
 */
export class GrpcWebTranslator {
  readonly #options: TranslatorOptions;
  readonly #calls = new Set<RelayedCall>();
  readonly #idleWaiters = new Set<() => void>();

  constructor(options: TranslatorOptions) {
    this.#options = options;
  }

  /** Calls in flight. */
  get activeCalls(): number {
    return this.#calls.size;
  }

  async handle(
    req: WebRequest,
    res: WebResponseTarget,
    protocol: CallProtocol,
    responseHeaders: Record<string, string>,
  ): Promise<void> {
    const call = new RelayedCall(req, protocol.respond(res, responseHeaders));
    this.#calls.add(call);
    res.once("close", () => {
      call.clientClosed();
      this.#calls.delete(call);
      if (this.#calls.size === 0) for (const wake of [...this.#idleWaiters]) wake();
    });
    try {
      await this.#relay(req, protocol, call);
    } catch (error) {
      this.#options.log.error({ err: error }, "gRPC-Web translation failed");
      call.fail(translatorStatus.internal());
    }
  }

  /** Resolves once no call is in flight, or after `timeoutMs`; false on timeout. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.add(wake);
    });
  }

  /** Ends every call in flight with `status`, cancelling it upstream. */
  endAll(status: TranslatorStatus): void {
    for (const call of this.#calls) call.fail(status);
  }

  async #relay(req: WebRequest, protocol: CallProtocol, call: RelayedCall): Promise<void> {
    const { maxRequestBytes } = this.#options;
    const path = req.url ?? "";
    if (!METHOD_PATH.test(path)) return call.fail(translatorStatus.unknownMethod());
    const timeout = protocol.timeout(req.headers);
    if (isTranslatorStatus(timeout)) return call.fail(timeout);

    const wireLimit = protocol.wireLimit(maxRequestBytes);
    const tooLarge = translatorStatus.badRequest(`the request body is larger than ${maxRequestBytes} bytes`);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > wireLimit) return call.fail(tooLarge);

    const wire = await readBody(req, wireLimit, this.#options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
    if (wire === "gone") return;
    if (wire === "too-large") return call.fail(tooLarge);
    if (wire === "too-slow") return call.fail(translatorStatus.bodyTooSlow());

    const body = protocol.toGrpcFrames(wire, maxRequestBytes);
    if (isTranslatorStatus(body)) return call.fail(body);

    let stream: ClientHttp2Stream;
    try {
      stream = this.#options.upstream.request(upstreamHeaders(req, path, timeout));
    } catch (error) {
      this.#options.log.warn({ err: error }, "could not open a stream to the gRPC server");
      return call.fail(translatorStatus.unavailable("the gRPC server is unreachable"));
    }
    call.attach(stream);
    stream.end(body);
  }
}

/** One call: its upstream stream, and the translation of what comes back. */
class RelayedCall {
  readonly #req: WebRequest;
  readonly #res: CallResponse;
  #stream: ClientHttp2Stream | null = null;

  constructor(req: WebRequest, res: CallResponse) {
    this.#req = req;
    this.#res = res;
  }

  /** Answers with a status of the translator's own, ending the upstream stream if any. */
  fail(status: TranslatorStatus): void {
    this.#cancelUpstream();
    // A body left unread (HTTP/1.1) means the connection cannot carry another request.
    this.#res.finish(trailersOf(status), { closeConnection: !this.#req.complete });
  }

  /** The response is over, or the client went away before it was: the call is over too. */
  clientClosed(): void {
    this.#cancelUpstream();
  }

  attach(stream: ClientHttp2Stream): void {
    this.#stream = stream;
    let failure: TranslatorStatus | null = null;
    let trailers: Array<[string, string]> | null = null;
    let error: Error | null = null;

    stream.on("response", (headers) => {
      const status = Number(headers[":status"]);
      if (status !== 200) {
        failure = statusOfHttpStatus(status);
      } else if (headers["grpc-status"] !== undefined) {
        // Trailers-only: the status came in the headers; it still goes in the last frame.
        trailers = trailerLines(headers);
      } else {
        this.#res.sendHeaders(metadataOf(headers));
      }
    });
    stream.on("data", (chunk: Buffer) => {
      if (failure !== null || trailers !== null) return;
      if (!this.#res.write(chunk)) {
        stream.pause();
        this.#res.onDrain(() => stream.resume());
      }
    });
    stream.on("trailers", (headers) => {
      trailers = trailerLines(headers);
    });
    stream.on("error", (e: Error) => {
      error = e;
    });
    stream.on("close", () => {
      if (this.#res.ended) return;
      if (trailers !== null) return this.#res.finish(trailers);
      if (failure !== null) return this.#res.finish(trailersOf(failure));
      const sessionAlive = stream.session !== undefined && !stream.session.destroyed;
      const reset = stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR;
      if (sessionAlive && reset && (error === null || errorCode(error) === "ERR_HTTP2_STREAM_ERROR")) {
        return this.#res.finish(trailersOf(statusOfReset(stream.rstCode!)));
      }
      if (error !== null || !sessionAlive) {
        return this.#res.finish(trailersOf(translatorStatus.unavailable("the gRPC server is unreachable")));
      }
      // The server ended the stream without a status: a broken gRPC server.
      this.#res.finish(trailersOf(translatorStatus.internal()));
    });
  }

  #cancelUpstream(): void {
    const stream = this.#stream;
    if (stream !== null && !stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
  }
}

function errorCode(error: Error): unknown {
  return (error as Error & { code?: unknown }).code;
}
