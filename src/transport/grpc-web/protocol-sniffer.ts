import type { Socket } from "node:net";

/** What every cleartext HTTP/2 (h2c, prior knowledge) connection starts with. */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** A connection that says nothing for this long is dropped before it costs more. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

export type WireProtocol = "http1" | "http2";

/**
 * Tells HTTP/1.1 from cleartext HTTP/2 by the first bytes of a connection, then puts
 * those bytes back for the server that takes it over. Node's cleartext HTTP/2 server
 * does not fall back to HTTP/1.1 (allowHTTP1 works only over TLS), so one port serving
 * both needs this.
 */
export function sniffProtocol(socket: Socket, onProtocol: (protocol: WireProtocol) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onError = (): void => void socket.destroy();
  const onTimeout = (): void => void socket.destroy();
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, HTTP2_PREFACE.length);
    const http2 = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
    if (http2 && compared < HTTP2_PREFACE.length) return;
    socket.off("data", onData);
    socket.off("error", onError);
    socket.off("timeout", onTimeout);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    onProtocol(http2 ? "http2" : "http1");
    // The HTTP/1 parser reads the socket as a stream and must restart it; the HTTP/2
    // session takes the buffered bytes itself, and a flowing stream would lose them.
    if (!http2) socket.resume();
  };
  socket.setTimeout(FIRST_BYTES_TIMEOUT_MS);
  socket.on("timeout", onTimeout);
  socket.on("error", onError);
  socket.on("data", onData);
}
