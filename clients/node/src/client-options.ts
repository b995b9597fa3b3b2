import type { ChannelOptions } from "nice-grpc";
import type { RetryOptions } from "../../core/src/call-options.js";

/** Certificates for TLS, as PEM Buffers. `privateKey` and `certChain` together make mTLS. */
export interface TlsOptions {
  /** CA certificates to trust instead of the system roots. */
  readonly rootCerts?: Buffer;
  /** The client's private key, for mTLS (with `certChain`). */
  readonly privateKey?: Buffer;
  /** The client's certificate chain, for mTLS (with `privateKey`). */
  readonly certChain?: Buffer;
  /** The name to check the server certificate against when it differs from the address' host. */
  readonly serverName?: string;
}

/** What every client factory takes, besides its credential. */
export interface ClientOptions {
  /** `host:port`, or `https://host[:port]` for TLS with the system roots. */
  readonly address: string;
  /** `true`: TLS with the system roots; an object: TLS with these certificates. Default: plaintext. */
  readonly tls?: boolean | TlsOptions;
  /**
   * The default deadline of each unary call, retries included, in milliseconds; 0 for
   * none. Default 10 000. Streams (watchDeviceStatus) have no deadline unless the call
   * sets one.
   */
  readonly deadlineMs?: number;
  /** Retry settings, or `false` for no retries at all. */
  readonly retry?: false | RetryOptions;
  /** Passed to the grpc-js channel as they are (keepalive, message sizes, ...). */
  readonly channelOptions?: ChannelOptions;
}
