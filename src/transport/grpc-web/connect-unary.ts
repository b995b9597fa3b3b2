import type { CallProtocol, CallResponse } from "./call-protocol.js";
import { connectOutcome, httpStatusOf, type ConnectError } from "./connect-errors.js";
import {
  connectTimeout,
  uncompressed,
  unservable,
  type ConnectCodec,
  type ConnectMethod,
} from "./connect-call.js";
import { encodeFrame, FrameReader } from "./frame-codec.js";
import { binaryToJson, jsonToBinary } from "./json-codec.js";
import { translatorStatus } from "./translator-status.js";
import {
  closeConnectionIfUnread,
  endResponse,
  writeHead,
  type HeaderValue,
  type WebResponseTarget,
} from "./web-response.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Connect unary: the body is one message (JSON or binary) with no framing, and so is
 * the answer; an error is an HTTP status of Connect's table with {code, message, details}.
 */
export function connectUnaryProtocol(codec: ConnectCodec, method: ConnectMethod | undefined): CallProtocol {
  return {
    // JSON spells a message out at about twice its binary size.
    wireLimit: (max) => (codec === "json" ? max * 2 : max),
    timeout: (headers) => uncompressed(headers["content-encoding"]) ?? connectTimeout(headers),
    toGrpcFrames: (wire, max) => {
      const refused = unservable(method, false);
      if (refused !== null) return refused;
      let message: Uint8Array | ReturnType<typeof translatorStatus.badRequest> = wire;
      if (codec === "json") {
        let text: string;
        try {
          text = strictUtf8.decode(wire);
        } catch {
          return translatorStatus.badRequest("the request body is not UTF-8 (JSON must be)");
        }
        message = jsonToBinary(method!.input, text);
        if (!(message instanceof Uint8Array)) return message;
      }
      if (message.length > max)
        return translatorStatus.badRequest(`the request message is larger than ${max} bytes`);
      return encodeFrame(0, message);
    },
    respond: (res, headers) => new ConnectUnaryResponse(res, codec, method, headers),
  };
}

class ConnectUnaryResponse implements CallResponse {
  readonly #res: WebResponseTarget;
  readonly #codec: ConnectCodec;
  readonly #method: ConnectMethod | undefined;
  readonly #headers: Record<string, string>;
  readonly #frames = new FrameReader();
  readonly #messages: Buffer[] = [];
  #metadata: Array<readonly [string, HeaderValue]> = [];
  #ended = false;

  constructor(
    res: WebResponseTarget,
    codec: ConnectCodec,
    method: ConnectMethod | undefined,
    headers: Record<string, string>,
  ) {
    this.#res = res;
    this.#codec = codec;
    this.#method = method;
    this.#headers = headers;
  }

  get ended(): boolean {
    return this.#ended || this.#res.destroyed;
  }

  // The HTTP status depends on the gRPC status, which only the trailers bring: kept.
  sendHeaders(metadata: Iterable<readonly [string, HeaderValue]> = []): void {
    this.#metadata = [...metadata];
  }

  write(bytes: Uint8Array): boolean {
    for (const frame of this.#frames.push(bytes)) this.#messages.push(frame.payload);
    return true;
  }

  onDrain(listener: () => void): void {
    // write() never asks to wait: one message is held, however it arrives.
    void listener;
  }

  finish(trailers: Iterable<readonly [string, string]>, options: { closeConnection?: boolean } = {}): void {
    if (this.ended) return;
    this.#ended = true;
    const outcome = connectOutcome(trailers);
    // Unary Connect has no trailers: the gRPC trailers travel as `trailer-` headers.
    const metadata: Array<readonly [string, HeaderValue]> = [...this.#metadata];
    for (const [name, values] of outcome.trailers) metadata.push([`trailer-${name}`, values]);

    let status = 200;
    let body: Uint8Array | string;
    let contentType = this.#codec === "json" ? "application/json" : "application/proto";
    const answer = outcome.error === null ? this.#answer() : null;
    if (answer !== null) {
      body = answer;
    } else {
      const error: ConnectError = outcome.error ?? {
        code: "internal",
        message: "the gRPC server answered without exactly one message",
        details: [],
      };
      status = outcome.error === null ? 500 : httpStatusOf(outcome.status);
      contentType = "application/json";
      body = JSON.stringify(error);
    }
    const res = this.#res;
    const unread = options.closeConnection === true;
    closeConnectionIfUnread(res, unread);
    writeHead(res, status, this.#headers, metadata, contentType);
    endResponse(res, body, unread);
  }

  /** The one answer message in the call's codec, or null when there is not exactly one. */
  #answer(): Uint8Array | string | null {
    const [message, ...more] = this.#messages;
    if (message === undefined || more.length > 0 || this.#frames.leftover > 0 || this.#method === undefined)
      return null;
    if (this.#codec === "proto") return message;
    try {
      return binaryToJson(this.#method.output, message);
    } catch {
      return null;
    }
  }
}
