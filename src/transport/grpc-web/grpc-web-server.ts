import { createServer as createHttp1Server, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { Logger } from "../../ports/logger.js";
import { grpcWebProtocolOf } from "./call-protocol.js";
import { connectProtocolOf } from "./connect-protocol.js";
import type { ConsoleHandler } from "../console/console-handler.js";
import { CorsPolicy } from "./cors.js";
import { GrpcUpstream } from "./grpc-upstream.js";
import { sniffProtocol, type WireProtocol } from "./protocol-sniffer.js";
import { trailersOf, translatorStatus } from "./translator-status.js";
import type { WebRequest } from "./relay-headers.js";
import { GrpcWebTranslator } from "./translator.js";

/** Largest gRPC-Web request body accepted (decoded); the gRPC server's own limit. */
export const MAX_GRPC_WEB_REQUEST_BYTES = 1024 * 1024;

export interface GrpcWebServerOptions {
  /** Interface and port to listen on; port 0 picks a free one. */
  readonly host: string;
  readonly port: number;
  /** Where the gRPC server every call is relayed to listens (a wildcard host means loopback). */
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** The gRPC server speaks TLS (the loopback hop then does too). */
  readonly grpcTls?: boolean;
  /**
   * Serve gRPC-Web over TLS with this certificate: HTTP/2 or HTTP/1.1 as ALPN agrees.
   * Absent: cleartext, HTTP/1.1 and h2c told apart by their first bytes.
   */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Origins allowed to call from a browser (exact match; "*" for any). */
  readonly corsOrigins: readonly string[];
  readonly maxRequestBytes?: number;
  /** How long a client may take to send a request body (default 30 s). */
  readonly bodyTimeoutMs?: number;
  readonly log: Logger;
  /** Serves the console's files under /console (src/transport/console); absent: not served. */
  readonly console?: ConsoleHandler;
}

export interface GrpcWebServer {
  /** The port listened on (the real one when 0 was asked for). */
  readonly port: number;
  /** Calls in flight. */
  readonly activeCalls: number;
  /**
   * Stops accepting, lets calls in flight finish for up to `drainTimeoutMs`, then ends
   * the rest with UNAVAILABLE (cancelling them on the gRPC server) and closes every
   * connection. Safe to call twice.
   */
  close(drainTimeoutMs?: number): Promise<void>;
}

type Response = ServerResponse | Http2ServerResponse;

/**
 * gRPC-Web (binary and text) and Connect (JSON and binary), HTTP/1.1 and cleartext
 * HTTP/2 on one port, in front of the gRPC server: a protocol translator only, so every call goes through the gRPC server's
 * own middleware (auth, limits, errors) exactly as a gRPC call would.
 */
export async function startGrpcWebServer(options: GrpcWebServerOptions): Promise<GrpcWebServer> {
  const cors = new CorsPolicy(options.corsOrigins);
  let lastUpstreamError = "";
  const upstream = new GrpcUpstream(
    loopbackUrl(options.grpcHost, options.grpcPort, options.grpcTls === true),
    (error) => {
      // A reconnect loop repeats the same error: say it once per change.
      if (error.message === lastUpstreamError) return;
      lastUpstreamError = error.message;
      options.log.warn({ err: error }, "gRPC-Web: connection to the gRPC server failed");
    },
  );
  const translator = new GrpcWebTranslator({
    upstream,
    maxRequestBytes: options.maxRequestBytes ?? MAX_GRPC_WEB_REQUEST_BYTES,
    ...(options.bodyTimeoutMs !== undefined && { bodyTimeoutMs: options.bodyTimeoutMs }),
    log: options.log,
  });

  let closing = false;
  const sockets = new Map<Socket, WireProtocol | "sniffing">();
  const http1Requests = new Map<Socket, number>();
  const sessions = new Set<ServerHttp2Session>();

  const onRequest = (req: WebRequest, res: Response): void => {
    // Both are settled by the handlers below; a late transport error must not crash.
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    if (req.httpVersionMajor === 1) trackHttp1Request(req.socket, res);
    if (options.console?.handle(req, res) === true) return;
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;

    if (req.method === "OPTIONS") {
      const headers = cors.preflightHeaders(origin);
      if (headers === null) return plain(res, 403, "origin not allowed", cors.responseHeaders(origin));
      res.writeHead(204, headers);
      res.end();
      return;
    }
    // API answers are per caller and per moment: no cache may keep one.
    const headers = { ...cors.responseHeaders(origin), "cache-control": "no-store" };
    if (req.method !== "POST")
      return plain(res, 405, "gRPC-Web calls are POST", { ...headers, allow: "POST, OPTIONS" });
    const contentType = req.headers["content-type"];
    // gRPC-Web, else Connect (unary JSON or binary, server streaming), on the same port.
    const protocol = grpcWebProtocolOf(contentType) ?? connectProtocolOf(contentType, req.url ?? "");
    if (protocol === null) return plain(res, 415, "expected a gRPC-Web or Connect content type", headers);
    if (closing) {
      return protocol
        .respond(res, headers)
        .finish(trailersOf(translatorStatus.unavailable("the server is shutting down")), {
          closeConnection: !req.complete,
        });
    }
    void translator.handle(req, res, protocol, headers);
  };

  const trackHttp1Request = (socket: Socket, res: Response): void => {
    http1Requests.set(socket, (http1Requests.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (http1Requests.get(socket) ?? 1) - 1;
      http1Requests.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  };

  const http1 = createHttp1Server(onRequest);
  // Node checks headersTimeout and requestTimeout (slow clients) only once the server
  // has emitted 'listening'; this one never listens itself, the TCP server does.
  http1.emit("listening");
  const http2 = createHttp2Server(onRequest);
  http2.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (closing) session.close();
  });
  const serve = (socket: Socket, protocol: WireProtocol): void => {
    sockets.set(socket, protocol);
    (protocol === "http2" ? http2 : http1).emit("connection", socket);
  };
  const track = (socket: Socket): void => {
    // Nagle would hold each small frame (a status, a stream message) back ~40 ms.
    socket.setNoDelay(true);
    sockets.set(socket, "sniffing");
    socket.once("close", () => {
      sockets.delete(socket);
      http1Requests.delete(socket);
    });
  };
  const tcp = options.tls
    ? // Over TLS, ALPN names the protocol; the decrypted socket goes to the same servers.
      createTlsServer(
        { cert: options.tls.cert, key: options.tls.key, ALPNProtocols: ["h2", "http/1.1"] },
        (socket: TLSSocket) => {
          track(socket);
          serve(socket, socket.alpnProtocol === "h2" ? "http2" : "http1");
        },
      )
    : createTcpServer({ noDelay: true }, (socket) => {
        track(socket);
        sniffProtocol(socket, (protocol) => serve(socket, protocol));
      });
  // A failed handshake is the client's problem; unheard, it would be an unhandled error.
  tcp.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  tcp.on("error", (error) => options.log.error({ err: error }, "gRPC-Web listener failed"));

  let closed: Promise<void> | null = null;
  const close = async (drainTimeoutMs: number): Promise<void> => {
    closing = true;
    const stopped = new Promise<void>((resolve) => tcp.close(() => resolve()));
    // Idle keep-alive connections and connections that never sent a request go now.
    for (const [socket, protocol] of sockets) {
      if (protocol === "sniffing") socket.destroy();
      if (protocol === "http1" && (http1Requests.get(socket) ?? 0) === 0) socket.end();
    }
    for (const session of sessions) session.close();

    if (!(await translator.whenIdle(drainTimeoutMs))) {
      translator.endAll(translatorStatus.unavailable("the server is shutting down"));
      await translator.whenIdle(1_000);
    }
    for (const socket of sockets.keys()) socket.destroySoon();
    const forced = setTimeout(() => {
      for (const socket of sockets.keys()) socket.destroy();
    }, 1_000);
    await Promise.all([stopped, upstream.close()]);
    clearTimeout(forced);
    http1.close();
  };

  return {
    port: (tcp.address() as AddressInfo).port,
    get activeCalls() {
      return translator.activeCalls;
    },
    close: (drainTimeoutMs = 5_000) => (closed ??= close(drainTimeoutMs)),
  };
}

function plain(res: Response, status: number, message: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}

/** The URL to reach a server listening on `host`: a wildcard address is reached on loopback. */
function loopbackUrl(host: string, port: number, tls: boolean): string {
  const scheme = tls ? "https" : "http";
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare === "0.0.0.0" || bare === "") return `${scheme}://127.0.0.1:${port}`;
  if (bare === "::") return `${scheme}://[::1]:${port}`;
  return bare.includes(":") ? `${scheme}://[${bare}]:${port}` : `${scheme}://${bare}:${port}`;
}
