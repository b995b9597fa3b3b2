import {
  connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type OutgoingHttpHeaders,
} from "node:http2";

/**
 * One HTTP/2 connection to the gRPC server, shared by every relayed call and opened
 * again after it fails or the server sends GOAWAY. Connection problems surface on the
 * streams (as their 'error' and 'close'), never as an unhandled 'error'.
 */
export class GrpcUpstream {
  readonly #authority: string;
  readonly #tls: boolean;
  readonly #onError: (error: Error) => void;
  #session: ClientHttp2Session | null = null;

  /**
   * `authority` is `http://host:port` or, when the gRPC server speaks TLS,
   * `https://host:port`, of an address of this very machine.
   */
  constructor(authority: string, onError: (error: Error) => void) {
    this.#authority = authority;
    this.#tls = authority.startsWith("https:");
    this.#onError = onError;
  }

  /** Opens a stream; throws only when even a fresh connection refuses one. */
  request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    try {
      return this.#current().request(headers);
    } catch (error) {
      // The session went away between checks (GOAWAY, a failed connect): one retry.
      this.#drop();
      if (!isSessionGone(error)) throw error;
      return this.#current().request(headers);
    }
  }

  /** Closes the connection once its streams have ended, or cuts it after `graceMs`. */
  close(graceMs = 1_000): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session === null || session.closed || session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const forced = setTimeout(() => session.destroy(), graceMs);
      session.close(() => {
        clearTimeout(forced);
        resolve();
      });
    });
  }

  #current(): ClientHttp2Session {
    const session = this.#session;
    if (session !== null && !session.closed && !session.destroyed) return session;
    // The gRPC server is in this process and the connection never leaves the machine
    // (the address is one it listens on), so its certificate, issued for the names
    // clients use, is not checked. No client certificate is presented: calls through
    // gRPC-Web never count as mTLS.
    const fresh = connect(this.#authority, this.#tls ? { rejectUnauthorized: false } : {});
    fresh.on("error", (error: Error) => {
      if (this.#session === fresh) this.#session = null;
      this.#onError(error);
    });
    fresh.on("goaway", () => {
      if (this.#session === fresh) this.#session = null;
    });
    fresh.on("close", () => {
      if (this.#session === fresh) this.#session = null;
    });
    this.#session = fresh;
    return fresh;
  }

  // Streams still open on the old session finish there; it closes itself after them.
  #drop(): void {
    this.#session = null;
  }
}

function isSessionGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_HTTP2_GOAWAY_SESSION" || code === "ERR_HTTP2_INVALID_SESSION";
}
