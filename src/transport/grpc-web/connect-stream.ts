import type { ServerResponse } from "node:http";
import type { CallProtocol, CallResponse } from "./call-protocol.js";
import { connectOutcome, type ConnectError } from "./connect-errors.js";
import {
  connectTimeout,
  uncompressed,
  unservable,
  type ConnectCodec,
  type ConnectMethod,
} from "./connect-call.js";
import { encodeFrame, FrameReader } from "./frame-codec.js";
import { binaryToJson, jsonToBinary } from "./json-codec.js";
import { translatorStatus, type TranslatorStatus } from "./translator-status.js";
import {
  closeConnectionIfUnread,
  endResponse,
  writeHead,
  type HeaderValue,
  type WebResponseTarget,
} from "./web-response.js";

const COMPRESSED = 0x01;
const END_STREAM = 0x02;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Connect streaming, for server-streaming methods: the request is one enveloped message,
 * the answer HTTP 200 with an envelope per message, then an end-stream envelope (flag
 * 0x02) holding JSON {error?, metadata} whatever the codec.
 */
export function connectStreamProtocol(codec: ConnectCodec, method: ConnectMethod | undefined): CallProtocol {
  return {
    wireLimit: (max) => (codec === "json" ? max * 2 : max),
    timeout: (headers) => uncompressed(headers["connect-content-encoding"]) ?? connectTimeout(headers),
    toGrpcFrames: (wire, max) => {
      const refused = unservable(method, true);
      if (refused !== null) return refused;
      const reader = new FrameReader();
      const envelopes = reader.push(wire);
      if (reader.leftover > 0) return translatorStatus.badRequest("the request body ends inside an envelope");
      if (envelopes.length !== 1) {
        return translatorStatus.badRequest("a server-streaming call takes exactly one request message");
      }
      const [{ flags, payload }] = envelopes as [(typeof envelopes)[number]];
      if (flags & COMPRESSED)
        return translatorStatus.compressed("compressed request messages are not supported");
      if (flags !== 0)
        return translatorStatus.badRequest(`unexpected envelope flags 0x${flags.toString(16)}`);
      const message = codec === "json" ? fromJson(method!, payload) : payload;
      if (!(message instanceof Uint8Array)) return message;
      if (message.length > max)
        return translatorStatus.badRequest(`the request message is larger than ${max} bytes`);
      return encodeFrame(0, message);
    },
    respond: (res, headers) => new ConnectStreamResponse(res, codec, method, headers),
  };
}

function fromJson(method: ConnectMethod, payload: Buffer): Uint8Array | TranslatorStatus {
  try {
    return jsonToBinary(method.input, strictUtf8.decode(payload));
  } catch {
    return translatorStatus.badRequest("the request message is not UTF-8 (JSON must be)");
  }
}

class ConnectStreamResponse implements CallResponse {
  readonly #res: WebResponseTarget;
  readonly #codec: ConnectCodec;
  readonly #method: ConnectMethod | undefined;
  readonly #headers: Record<string, string>;
  readonly #frames = new FrameReader();
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

  sendHeaders(metadata: Iterable<readonly [string, HeaderValue]> = []): void {
    const res = this.#res;
    if (res.headersSent) return;
    writeHead(res, 200, this.#headers, metadata, `application/connect+${this.#codec}`);
    if ("flushHeaders" in res) res.flushHeaders();
  }

  write(bytes: Uint8Array): boolean {
    if (this.ended) return true;
    this.sendHeaders();
    let flowing = true;
    for (const { payload } of this.#frames.push(bytes)) {
      const message =
        this.#codec === "json" ? Buffer.from(binaryToJson(this.#method!.output, payload)) : payload;
      // Both response kinds take a chunk alone; their overloads differ only beyond that.
      flowing = (this.#res as ServerResponse).write(encodeFrame(0, message));
    }
    return flowing;
  }

  onDrain(listener: () => void): void {
    this.#res.once("drain", listener);
  }

  finish(trailers: Iterable<readonly [string, string]>, options: { closeConnection?: boolean } = {}): void {
    if (this.ended) return;
    this.#ended = true;
    const outcome = connectOutcome(trailers);
    const end: { error?: ConnectError; metadata?: Record<string, string[]> } = {};
    if (outcome.error !== null) end.error = outcome.error;
    if (outcome.trailers.size > 0) end.metadata = Object.fromEntries(outcome.trailers);
    const unread = options.closeConnection === true;
    closeConnectionIfUnread(this.#res, unread);
    this.sendHeaders();
    endResponse(this.#res, encodeFrame(END_STREAM, Buffer.from(JSON.stringify(end))), unread);
  }
}
