import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { UserlinkMetrics } from "./metrics.js";

/** One dependency's check for /readyz; throws (or times out) when it is not usable. */
export type ReadinessCheck = () => Promise<void>;

export interface OpsServerOptions {
  readonly metrics: UserlinkMetrics;
  /** By dependency name, e.g. { postgres, redis }. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** True once shutdown began: /readyz says no, so load balancers stop sending calls. */
  readonly draining: () => boolean;
  /** How long one check may take before it counts as down. */
  readonly checkTimeoutMs?: number;
}

/**
 * The operator's HTTP port: /metrics (Prometheus), /healthz (the process answers) and
 * /readyz (every dependency answers, and the instance is not shutting down).
 */
export function createOpsServer(options: OpsServerOptions): Server {
  const timeoutMs = options.checkTimeoutMs ?? 1_000;
  return createServer((request, response) => {
    handle(request, response, options, timeoutMs).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: OpsServerOptions,
  timeoutMs: number,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://ops").pathname;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  if (path === "/metrics") {
    const body = await options.metrics.registry.metrics();
    response.writeHead(200, { "content-type": options.metrics.registry.contentType }).end(body);
    return;
  }
  if (path === "/healthz") {
    json(response, 200, { status: "ok" });
    return;
  }
  if (path === "/readyz") {
    const results = await Promise.all(
      Object.entries(options.checks).map(
        async ([name, check]) => [name, await probe(check, timeoutMs)] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    const draining = options.draining();
    const ready = !draining && results.every(([, state]) => state === "ok");
    json(response, ready ? 200 : 503, { ready, ...(draining && { draining }), checks });
    return;
  }
  json(response, 404, { error: "not found", paths: ["/metrics", "/healthz", "/readyz"] });
}

async function probe(check: ReadinessCheck, timeoutMs: number): Promise<"ok" | "down"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"down">((resolve) => (timer = setTimeout(() => resolve("down"), timeoutMs)));
  try {
    return await Promise.race([check().then(() => "ok" as const), timeout]);
  } catch {
    return "down";
  } finally {
    clearTimeout(timer);
  }
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}

/** Listens and resolves with the real port (0 asks for a free one). */
export function listenOps(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
