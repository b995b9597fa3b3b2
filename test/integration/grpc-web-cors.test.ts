import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorsPolicy } from "../../src/transport/grpc-web/cors.js";
import { frame, rawGrpcWeb, type RawWebRequest } from "../support/grpc-web-raw.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const LIST_APPS = "/userlink.v1.AdminService/ListApps";
const ALLOWED_ORIGIN = "https://app.example";

// CORS on the gRPC-Web port; the framing checks are in grpc-web-protocol.test.ts.
describe("the gRPC-Web wire protocol", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage, {
      USERLINK_CORS_ORIGINS: `${ALLOWED_ORIGIN}, http://localhost:5173`,
    });
    asAdmin = { authorization: `Bearer ${storage.adminToken}` };
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  const call = (req: Omit<RawWebRequest, "headers"> & { headers?: Record<string, string> }) =>
    rawGrpcWeb(server.grpcWebUrl, { ...req, headers: { ...asAdmin, ...req.headers } });

  describe("CORS", () => {
    const preflight = (origin: string) =>
      fetch(`${server.grpcWebUrl}${LIST_APPS}`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,x-grpc-web,x-user-agent,grpc-timeout",
        },
      });

    it("answers a preflight from an allowed origin with what gRPC-Web needs", async () => {
      const response = await preflight(ALLOWED_ORIGIN);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
      expect(response.headers.get("access-control-allow-methods")).toContain("POST");
      const allowed = response.headers.get("access-control-allow-headers")!.split(/,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining([
          "authorization",
          "content-type",
          "x-grpc-web",
          "x-user-agent",
          "grpc-timeout",
          // Connect's, on the same port.
          "connect-protocol-version",
          "connect-timeout-ms",
        ]),
      );
      expect(response.headers.get("access-control-expose-headers")!.split(/,\s*/)).toEqual(
        expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin"]),
      );
      expect(response.headers.get("vary")).toMatch(/origin/i);
    });

    it("gives a foreign origin no CORS headers, on the preflight or the call", async () => {
      for (const origin of ["https://evil.example", "http://app.example", "https://app.example.evil"]) {
        const response = await preflight(origin);
        expect(response.status).toBe(403);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
        const answer = await call({ path: LIST_APPS, body: frame(Buffer.alloc(0)), headers: { origin } });
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      }
    });

    it("exposes the status headers to an allowed origin on the call itself", async () => {
      const answer = await call({
        path: LIST_APPS,
        body: frame(Buffer.alloc(0)),
        headers: { origin: ALLOWED_ORIGIN },
      });
      expect(answer.status).toBe(Status.OK);
      expect(answer.headers["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
      expect(answer.headers["access-control-expose-headers"]).toContain("grpc-status-details-bin");
    });

    it("matches origins exactly, and allows any origin only when '*' is listed", () => {
      const exact = new CorsPolicy(["https://a.example"]);
      expect(exact.preflightHeaders("https://a.example")?.["access-control-allow-origin"]).toBe(
        "https://a.example",
      );
      expect(exact.preflightHeaders("https://a.example:8443")).toBeNull();
      expect(exact.preflightHeaders(undefined)).toBeNull();
      expect(new CorsPolicy([]).responseHeaders("https://a.example")).toEqual({});
      const any = new CorsPolicy(["*"]);
      expect(any.responseHeaders("https://b.example")["access-control-allow-origin"]).toBe("*");
    });
  });
});
