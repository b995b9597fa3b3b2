import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListAppsRequest } from "../../src/gen/userlink/v1/admin_service.js";
import { createConsoleHandler } from "../../src/transport/console/console-handler.js";
import { ensureConsoleBuilt } from "../support/console-build.js";
import { frame, rawGrpcWeb } from "../support/grpc-web-raw.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A GET with the path sent exactly as written (no URL normalisation on the way). */
function get(
  base: string,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  const csp = String(headers["content-security-policy"]);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-frame-options"]).toBe("DENY");
}

describe("the console on the gRPC-Web port", () => {
  let storage: OwnedStorage;
  let server: TestInstance;
  let index: Answer;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    storage = await createStorage("embedded");
    server = await startInstance(storage);
    index = await get(server.grpcWebUrl, "/console/");
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("serves index.html with a strict CSP, revalidated on every load, and no inline script", () => {
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expectSecurityHeaders(index.headers);
    expect(index.headers["cache-control"]).toBe("no-cache");
    const scripts = [...index.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/src="\/console\/assets\//);
      expect(content!.trim()).toBe("");
    }
    expect(index.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it("serves the same over cleartext HTTP/2", async () => {
    const session = connect(server.grpcWebUrl);
    try {
      const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
        (resolve, reject) => {
          const stream = session.request({ ":path": "/console/", ":method": "GET" });
          const chunks: Buffer[] = [];
          let headers: IncomingHttpHeaders = {};
          stream.on("response", (h) => (headers = h as IncomingHttpHeaders));
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () =>
            resolve({ status: Number(headers[":status"]), headers, body: Buffer.concat(chunks).toString() }),
          );
          stream.on("error", reject);
          stream.end();
        },
      );
      expect(answer.status).toBe(200);
      expectSecurityHeaders(answer.headers);
      expect(answer.body).toBe(index.body);
    } finally {
      session.close();
    }
  });

  it("caches hashed assets for a year, immutably, with their own types", async () => {
    const assets = [...index.body.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const asset of assets) {
      expect(asset).toMatch(/-[A-Za-z0-9_-]{8,}\.(js|css)$/);
      const answer = await get(server.grpcWebUrl, asset);
      expect(answer.status).toBe(200);
      expect(answer.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(answer.headers["content-type"]).toBe(
        asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
      );
      expectSecurityHeaders(answer.headers);
    }
  });

  it("answers a revalidation of index.html 304 by its ETag", async () => {
    const etag = String(index.headers.etag);
    const again = await get(server.grpcWebUrl, "/console/", "GET", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expectSecurityHeaders(again.headers);
  });

  it("redirects /console to /console/, refuses other methods and unknown files", async () => {
    const bare = await get(server.grpcWebUrl, "/console");
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe("/console/");
    const post = await get(server.grpcWebUrl, "/console/", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    const missing = await get(server.grpcWebUrl, "/console/assets/nope-12345678.js");
    expect(missing.status).toBe(404);
    expect(missing.headers["cache-control"]).toBe("no-store");
    expectSecurityHeaders(missing.headers);
  });

  it("refuses every path that could step outside the built folder", async () => {
    const secret = await readFile(new URL("../../package.json", import.meta.url), "utf8");
    const paths = [
      "/console/../package.json",
      "/console/../../package.json",
      "/console/%2e%2e/package.json",
      "/console/%2E%2E/%2E%2E/package.json",
      "/console/assets/..%2f..%2f..%2fpackage.json",
      "/console/..%5c..%5cpackage.json",
      "/console/.%2e/.%2e/package.json",
      "/console//etc/passwd",
      "/console/%2fetc%2fpasswd",
      "/console/index.html%00.js",
      "/console/%E0%A4%A",
      "/console/.vite/manifest.json",
    ];
    for (const path of paths) {
      const answer = await get(server.grpcWebUrl, path);
      expect([400, 404], path).toContain(answer.status);
      expect(answer.body).not.toContain(secret.slice(0, 40));
      expect(answer.body).not.toContain("root:");
      expectSecurityHeaders(answer.headers);
    }
  });

  it("marks gRPC-Web answers no-store, and still answers them beside the console", async () => {
    const answer = await rawGrpcWeb(server.grpcWebUrl, {
      path: "/userlink.v1.AdminService/ListApps",
      body: frame(ListAppsRequest.encode({ pageSize: 1, pageToken: "" }).finish()),
      headers: { authorization: `Bearer ${storage.adminToken}` },
    });
    expect(answer.status).toBe(0);
    expect(answer.headers["cache-control"]).toBe("no-store");
  });
});

describe("USERLINK_CONSOLE=false", () => {
  let storage: OwnedStorage;
  let server: TestInstance;
  beforeAll(async () => {
    storage = await createStorage("embedded");
    server = await startInstance(storage, { USERLINK_CONSOLE: "false" });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("answers 404 under /console and leaves gRPC-Web working", async () => {
    for (const path of ["/console/", "/console", "/console/assets/index.js"]) {
      const answer = await get(server.grpcWebUrl, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).toContain("USERLINK_CONSOLE=false");
      expect(answer.body).not.toContain("<script");
    }
    const call = await rawGrpcWeb(server.grpcWebUrl, {
      path: "/userlink.v1.AdminService/ListApps",
      body: frame(ListAppsRequest.encode({ pageSize: 1, pageToken: "" }).finish()),
      headers: { authorization: `Bearer ${storage.adminToken}` },
    });
    expect(call.status).toBe(0);
  });
});

describe("the console handler on a folder of its own", () => {
  let dir: string;
  let base: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "console-root-"));
    const root = join(dir, "console");
    await mkdir(root);
    const handler = createConsoleHandler({ enabled: true, root });
    const server = createServer((req, res) => {
      if (!handler.handle(req, res)) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("says how to build the console while it is not built", async () => {
    const answer = await get(base, "/console/");
    expect(answer.status).toBe(503);
    expect(answer.body).toContain("npm run build:console");
    expect(answer.headers["cache-control"]).toBe("no-store");
  });

  it("refuses a symlink that leads out of the folder, and leaves other paths alone", async () => {
    const root = join(dir, "console");
    await writeFile(join(root, "index.html"), "<!doctype html><title>t</title>");
    await writeFile(join(dir, "outside.txt"), "outside secret");
    await symlink(join(dir, "outside.txt"), join(root, "leak.txt"));
    expect((await get(base, "/console/")).status).toBe(200);
    const leak = await get(base, "/console/leak.txt");
    expect(leak.status).toBe(400);
    expect(leak.body).not.toContain("outside secret");
    expect((await get(base, "/consoleX")).status).toBe(418);
    expect((await get(base, "/other")).status).toBe(418);
  });
});
