/** What every client factory takes, besides its credential. */
export interface ClientOptions {
  /**
   * The gRPC-Web endpoint, scheme, host and port: `https://userlink.example.com` or
   * `http://127.0.0.1:8080`. A page on another origin needs that origin listed in the
   * service's USERLINK_CORS_ORIGINS.
   */
  readonly baseUrl: string;
  /**
   * The default deadline of each unary call, in milliseconds; 0 for none. Default
   * 10 000. watchDeviceStatus has no deadline unless the call sets one.
   */
  readonly deadlineMs?: number;
}
