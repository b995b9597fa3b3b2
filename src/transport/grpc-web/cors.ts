/** Request headers gRPC-Web and Connect clients send (and browsers preflight); W3C trace context too. */
const ALLOWED_HEADERS =
  "authorization, content-type, x-grpc-web, x-user-agent, grpc-timeout, connect-protocol-version, connect-timeout-ms, traceparent, tracestate";
/** Response headers a gRPC-Web client must be able to read (trailers-only responses). */
const EXPOSED_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * CORS for the configured origins only: an exact match (scheme, host and port, as the
 * browser sends `Origin`), or any origin when `*` is listed. Other origins get no CORS
 * headers, so browsers keep the answer from the page; non-browser clients are unaffected.
 */
export class CorsPolicy {
  readonly #origins: ReadonlySet<string>;
  readonly #anyOrigin: boolean;

  constructor(origins: readonly string[]) {
    this.#origins = new Set(origins.filter((o) => o !== "*"));
    this.#anyOrigin = origins.includes("*");
  }

  /** Headers for an actual request's response; empty when the origin is not allowed. */
  responseHeaders(origin: string | undefined): Record<string, string> {
    const allowed = this.#allowedOrigin(origin);
    if (allowed === null) return this.#vary();
    return {
      ...this.#vary(),
      "access-control-allow-origin": allowed,
      "access-control-expose-headers": EXPOSED_HEADERS,
    };
  }

  /** Headers answering a preflight, or null when the origin is not allowed. */
  preflightHeaders(origin: string | undefined): Record<string, string> | null {
    const allowed = this.#allowedOrigin(origin);
    if (allowed === null) return null;
    return {
      ...this.#vary(),
      "access-control-allow-origin": allowed,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-expose-headers": EXPOSED_HEADERS,
      "access-control-max-age": PREFLIGHT_MAX_AGE_SECONDS,
    };
  }

  #allowedOrigin(origin: string | undefined): string | null {
    if (origin === undefined || origin === "") return null;
    if (this.#origins.has(origin)) return origin;
    return this.#anyOrigin ? "*" : null;
  }

  // The answer depends on Origin unless it is the same for everyone.
  #vary(): Record<string, string> {
    return this.#origins.size > 0 ? { vary: "origin" } : {};
  }
}
