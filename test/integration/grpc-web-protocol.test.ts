import fc from "fast-check";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListAppsResponse } from "../../src/gen/userlink/v1/admin_service.js";
import { RequestAuthCodeRequest, RequestAuthCodeResponse } from "../../src/gen/userlink/v1/link_service.js";
import { createAppWithKey } from "../support/flow.js";
import { grpcWebClients } from "../support/grpc-web-clients.js";
import { frame, rawGrpcWeb, type RawWebRequest } from "../support/grpc-web-raw.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const LIST_APPS = "/userlink.v1.AdminService/ListApps";
const REQUEST_AUTH_CODE = "/userlink.v1.LinkService/RequestAuthCode";
const MiB = 1024 * 1024;

const header = (flags: number, length: number): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt8(flags, 0);
  bytes.writeUInt32BE(length, 1);
  return bytes;
};

describe("the gRPC-Web wire protocol", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let apiKey: string;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage, {
      USERLINK_CORS_ORIGINS: "https://app.example, http://localhost:5173",
    });
    ({ apiKey } = await createAppWithKey(server));
    asAdmin = { authorization: `Bearer ${storage.adminToken}` };
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  const call = (req: Omit<RawWebRequest, "headers"> & { headers?: Record<string, string> }) =>
    rawGrpcWeb(server.grpcWebUrl, { ...req, headers: { ...asAdmin, ...req.headers } });

  describe("answers malformed bodies with a gRPC status and keeps serving", () => {
    const cases: Array<[string, Omit<RawWebRequest, "path">, Status, string]> = [
      [
        "a frame header cut short",
        { body: Buffer.from([0, 0, 0]) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a length prefix longer than the message",
        { body: Buffer.concat([header(0, 10), Buffer.from([1, 2, 3])]) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "bytes after the last frame",
        { body: Buffer.concat([frame(Buffer.alloc(0)), Buffer.from([0, 0])]) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a huge declared length",
        { body: Buffer.concat([header(0, 0xffffffff), Buffer.alloc(16)]) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "the compressed flag",
        { body: Buffer.concat([header(1, 2), Buffer.from([8, 1])]) },
        Status.UNIMPLEMENTED,
        "COMPRESSION_UNSUPPORTED",
      ],
      [
        "a trailer frame from the client",
        { body: Buffer.concat([header(0x80, 0)]) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      ["text that is not base64", { text: true, body: "!!!!" }, Status.INVALID_ARGUMENT, "INVALID_ARGUMENT"],
      [
        "base64 padded in the middle of a group",
        { text: true, body: "AA=A" },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "base64 of a short frame",
        { text: true, body: Buffer.from([0, 0, 0]).toString("base64") },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a whole frame of bytes that are not the request message (refused by the gRPC server)",
        { body: frame(Buffer.from([0xff, 0xff, 0xff])) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a grpc-timeout that is not one",
        { body: frame(Buffer.alloc(0)), headers: { "grpc-timeout": "soon" } },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a body over 1 MiB, sent chunked",
        { body: Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024)) },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a body over 1 MiB of base64",
        { text: true, body: Buffer.alloc(MiB + 3).toString("base64") },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
      [
        "a content-length over 1 MiB",
        { body: Buffer.alloc(10), headers: { "content-length": String(64 * MiB) } },
        Status.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
      ],
    ];

    it.each(cases)("%s", async (_name, req, code, reason) => {
      // HTTP/2 clients refuse to send fewer bytes than a content-length says.
      const protocols = req.headers?.["content-length"]
        ? (["http1"] as const)
        : (["http1", "http2"] as const);
      for (const protocol of protocols) {
        const answer = await call({ path: LIST_APPS, protocol, ...req });
        expect({ protocol, http: answer.httpStatus, code: answer.status, reason: answer.reason }).toEqual({
          protocol,
          http: 200,
          code,
          reason,
        });
        expect(answer.messages).toHaveLength(0);
      }
    });

    it("answers any body at all with a status that is not INTERNAL or UNKNOWN", async () => {
      const bodies = fc.oneof(
        fc.uint8Array({ maxLength: 48 }),
        fc.uint8Array({ maxLength: 32 }).map((bytes) => new Uint8Array(frame(bytes))),
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), fc.nat(), fc.uint8Array({ maxLength: 16 }))
          .map(([flags, length, rest]) => new Uint8Array(Buffer.concat([header(flags, length), rest]))),
      );
      await fc.assert(
        fc.asyncProperty(bodies, fc.constantFrom("binary", "text", "ascii"), async (bytes, mode) => {
          const body = Buffer.from(bytes);
          const answer = await call({
            path: LIST_APPS,
            text: mode !== "binary",
            // "ascii": whatever characters, mostly not base64.
            body:
              mode === "binary" ? body : mode === "text" ? body.toString("base64") : body.toString("latin1"),
          });
          expect(answer.httpStatus).toBe(200);
          expect(answer.status).not.toBeNull();
          expect([Status.INTERNAL, Status.UNKNOWN]).not.toContain(answer.status);
        }),
        { numRuns: 150 },
      );
    });

    it("serves a normal call afterwards", async () => {
      const answer = await call({ path: LIST_APPS, body: frame(Buffer.alloc(0)) });
      expect(answer.status).toBe(Status.OK);
      expect(ListAppsResponse.decode(answer.messages[0]!).apps.length).toBeGreaterThan(0);
      const { apps } = await grpcWebClients(server.grpcWebUrl, storage.adminToken).admin.listApps({});
      expect(apps.length).toBeGreaterThan(0);
    });
  });

  it("takes text mode bodies sent as several padded base64 chunks, and answers in text mode", async () => {
    const body = frame(RequestAuthCodeRequest.encode({ externalUserId: "text-mode-user" }).finish());
    // Cut where each part needs padding: a client may encode as it goes.
    const chunks = [body.subarray(0, 4), body.subarray(4)].map((part) => part.toString("base64"));
    expect(chunks[0]).toMatch(/=$/);
    for (const protocol of ["http1", "http2"] as const) {
      const answer = await rawGrpcWeb(server.grpcWebUrl, {
        path: REQUEST_AUTH_CODE,
        text: true,
        protocol,
        body: chunks.join(""),
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(answer.headers["content-type"]).toBe("application/grpc-web-text");
      expect(answer.status).toBe(Status.OK);
      expect(RequestAuthCodeResponse.decode(answer.messages[0]!).authenticationCode).toHaveLength(43);
    }
  });

  it("puts the status in the trailer frame with HTTP 200, response metadata in headers", async () => {
    const answer = await call({
      path: LIST_APPS,
      body: frame(Buffer.alloc(0)),
      headers: { "x-request-id": "web-req-1" },
    });
    expect(answer.httpStatus).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/grpc-web+proto");
    expect(answer.headers["grpc-status"]).toBeUndefined();
    expect(answer.trailers["grpc-status"]).toBe("0");
    // A metadata round trip through the gRPC server: the request id comes back as a header.
    expect(answer.headers["x-request-id"]).toBe("web-req-1");
  });

  it("passes grpc-timeout on: the gRPC server ends a stream at the deadline", async () => {
    const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "deadline" });
    const { credentials } = await server.device().createUser({
      authenticationCode,
      requestId: "deadline-1",
      device: { platform: 1, deviceType: 1, model: "", osVersion: "" },
      app: undefined,
    });
    const started = performance.now();
    const answer = await rawGrpcWeb(server.grpcWebUrl, {
      path: "/userlink.v1.DeviceService/WatchDeviceStatus",
      body: frame(Buffer.alloc(0)),
      headers: { authorization: `Bearer ${credentials!.accessToken}`, "grpc-timeout": "300m" },
    });
    expect(answer.messages).toHaveLength(1);
    expect(answer.status).toBe(Status.DEADLINE_EXCEEDED);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("answers what is not a gRPC-Web call at the HTTP level, and unknown methods with UNIMPLEMENTED", async () => {
    expect((await call({ path: LIST_APPS, method: "GET", body: "" })).httpStatus).toBe(405);
    // application/json is Connect's (test/integration/connect-http.test.ts); plain text is nobody's.
    const text = await call({ path: LIST_APPS, body: "{}", headers: { "content-type": "text/plain" } });
    expect(text.httpStatus).toBe(415);
    const notAPath = await call({ path: "/../etc/passwd", body: frame(Buffer.alloc(0)) });
    expect(notAPath.status).toBe(Status.UNIMPLEMENTED);
    const unknown = await call({
      path: "/userlink.v1.AdminService/NoSuchMethod",
      body: frame(Buffer.alloc(0)),
    });
    expect(unknown.status).toBe(Status.UNIMPLEMENTED);
  });
});
