/**
 * The length-prefixed frames gRPC and gRPC-Web share: one flag byte, a 4-byte big-endian
 * length, the payload. gRPC-Web adds one flag bit (0x80) for the frame that carries the
 * trailers at the end of a response body.
 * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md
 */
export const FRAME_HEADER_BYTES = 5;
const COMPRESSED_FLAG = 0x01;
const TRAILER_FLAG = 0x80;

/** Why a request body cannot be relayed, in gRPC terms. */
export type FrameProblem =
  | { readonly kind: "malformed"; readonly message: string }
  | { readonly kind: "too-large"; readonly message: string }
  | { readonly kind: "compressed"; readonly message: string };

/**
 * Checks that `body` is a sequence of whole, uncompressed message frames, each at most
 * `maxMessageBytes`, so that only well-formed frames reach the gRPC server. Returns null
 * when it is, or what is wrong.
 */
export function checkRequestFrames(body: Uint8Array, maxMessageBytes: number): FrameProblem | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < FRAME_HEADER_BYTES) {
      return { kind: "malformed", message: "the request body ends inside a frame header" };
    }
    const flags = view.getUint8(offset);
    const length = view.getUint32(offset + 1);
    if (flags === COMPRESSED_FLAG) {
      return { kind: "compressed", message: "compressed request messages are not supported" };
    }
    if (flags !== 0) {
      return { kind: "malformed", message: `unexpected frame flags 0x${flags.toString(16)} in the request` };
    }
    if (length > maxMessageBytes) {
      return { kind: "too-large", message: `a request message is larger than ${maxMessageBytes} bytes` };
    }
    if (body.length - offset - FRAME_HEADER_BYTES < length) {
      return { kind: "malformed", message: "the request body is shorter than its frame's declared length" };
    }
    offset += FRAME_HEADER_BYTES + length;
  }
  return null;
}

/**
 * The trailer frame that ends every gRPC-Web response: the trailers as HTTP/1 header
 * lines (`name: value\r\n`, lower-case names), behind flag 0x80.
 */
export function encodeTrailerFrame(trailers: Iterable<readonly [string, string]>): Buffer {
  let text = "";
  for (const [name, value] of trailers) text += `${name.toLowerCase()}: ${value}\r\n`;
  const payload = Buffer.from(text, "latin1");
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt8(TRAILER_FLAG, 0);
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** A frame's flag byte and payload (Connect calls the same shape an envelope). */
export interface Frame {
  readonly flags: number;
  readonly payload: Buffer;
}

/** One frame: the flag byte, the 4-byte length, the payload. */
export function encodeFrame(flags: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt8(flags, 0);
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** Cuts a byte stream that arrives in arbitrary chunks into whole frames. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  /** The frames completed by `chunk`, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    while (this.#pending.length >= FRAME_HEADER_BYTES) {
      const length = this.#pending.readUInt32BE(1);
      if (this.#pending.length < FRAME_HEADER_BYTES + length) break;
      frames.push({
        flags: this.#pending.readUInt8(0),
        payload: this.#pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length),
      });
      this.#pending = this.#pending.subarray(FRAME_HEADER_BYTES + length);
    }
    return frames;
  }

  /** Bytes left over that make no whole frame. */
  get leftover(): number {
    return this.#pending.length;
  }
}
