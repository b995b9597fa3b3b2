import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ErrorInfo } from "nice-grpc-error-details";
import { RequestAuthCodeRequest, RequestAuthCodeResponse } from "../../src/gen/userlink/v1/link_service.js";
import { bufCurl } from "../support/buf-curl.js";
import { createAppWithKey } from "../support/flow.js";
import { useInstance, type TestInstance } from "../support/userlink-server.js";

const run = promisify(execFile);
const REQUEST_AUTH_CODE = "/userlink.v1.LinkService/RequestAuthCode";
const CREATE_USER = "/userlink.v1.DeviceService/CreateUser";
const WATCH = "/userlink.v1.DeviceService/WatchDeviceStatus";

interface ConnectErrorBody {
  code: string;
  message: string;
  details: { type: string; value: string; debug?: Record<string, unknown> }[];
}

function envelope(flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function envelopes(body: Buffer): { flags: number; payload: Buffer }[] {
  const out: { flags: number; payload: Buffer }[] = [];
  for (let at = 0; at < body.length;) {
    const length = body.readUInt32BE(at + 1);
    out.push({ flags: body.readUInt8(at), payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

describe("Connect as plain HTTP and JSON (embedded)", () => {
  let server: TestInstance;
  let apiKey: string;
  useInstance("embedded", async (started) => {
    ({ server } = started);
    ({ apiKey } = await createAppWithKey(server));
  });

  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.grpcWebUrl}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, ...headers },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: Buffer.from(await response.arrayBuffer()),
    };
  };
  const errorOf = (answer: { body: Buffer }) => JSON.parse(answer.body.toString()) as ConnectErrorBody;
  const violations = (error: ConnectErrorBody) =>
    error.details.find((d) => d.type === "google.rpc.BadRequest")?.debug?.fieldViolations;

  it("answers RequestAuthCode to curl, exactly as the README shows it", async () => {
    const { stdout } = await run("curl", [
      "--silent",
      "--show-error",
      "--fail-with-body",
      "-H",
      "content-type: application/json",
      "-H",
      `authorization: Bearer ${apiKey}`,
      "-d",
      '{"external_user_id": "customer-42"}',
      `${server.grpcWebUrl}${REQUEST_AUTH_CODE}`,
    ]);
    const answer = JSON.parse(stdout) as { authenticationCode: string; expiresAt: string };
    expect(answer.authenticationCode).toMatch(/^[\w-]{20,}$/);
    expect(Date.parse(answer.expiresAt)).toBeGreaterThan(Date.now());
  });

  it("answers buf curl's Connect client (connect-go inside), over HTTP/1.1 and HTTP/2", async () => {
    const schema = fileURLToPath(new URL("../../src/gen/userlink.binpb", import.meta.url));
    for (const http2 of [false, true]) {
      const ok = await bufCurl(
        [
          "-H",
          `authorization: Bearer ${apiKey}`,
          "-d",
          '{"external_user_id":"buf"}',
          `${server.grpcWebUrl}${REQUEST_AUTH_CODE}`,
        ],
        { protocol: "connect", schema, http2 },
      );
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect((JSON.parse(ok.stdout) as { authenticationCode: string }).authenticationCode).not.toBe("");
      const refused = await bufCurl(
        [
          "-H",
          "authorization: Bearer nope.nope",
          "-d",
          '{"external_user_id":"buf"}',
          `${server.grpcWebUrl}${REQUEST_AUTH_CODE}`,
        ],
        { protocol: "connect", schema, http2 },
      );
      expect(JSON.parse(refused.stderr)).toMatchObject({
        code: "unauthenticated",
        details: [{ type: "google.rpc.ErrorInfo", debug: { reason: "API_KEY_INVALID" } }],
      });
    }
  });

  it("takes lowerCamel names too, and the binary codec (application/proto)", async () => {
    const json = await post(REQUEST_AUTH_CODE, '{"externalUserId":"camel"}', {
      "connect-protocol-version": "1",
    });
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json");
    const binary = await post(
      REQUEST_AUTH_CODE,
      Buffer.from(RequestAuthCodeRequest.encode({ externalUserId: "binary" }).finish()),
      { "content-type": "application/proto" },
    );
    expect(binary.status).toBe(200);
    expect(binary.headers.get("content-type")).toBe("application/proto");
    expect(RequestAuthCodeResponse.decode(binary.body).authenticationCode).not.toBe("");
  });

  it("answers errors with Connect's HTTP status and {code, message, details}", async () => {
    const wrongKey = await post(REQUEST_AUTH_CODE, '{"external_user_id":"x"}', {
      authorization: "Bearer nope.nope",
    });
    expect(wrongKey.status).toBe(401);
    const error = errorOf(wrongKey);
    expect(error.code).toBe("unauthenticated");
    const [info] = error.details;
    expect(info).toMatchObject({ type: "google.rpc.ErrorInfo", debug: { reason: "API_KEY_INVALID" } });
    // `value` is the detail's binary encoding (base64, padding left out), what clients decode.
    expect(ErrorInfo.decode(Buffer.from(info!.value, "base64")).reason).toBe("API_KEY_INVALID");

    const empty = await post(REQUEST_AUTH_CODE, '{"external_user_id":""}');
    expect(empty.status).toBe(400);
    expect(violations(errorOf(empty))).toEqual([{ field: "external_user_id", description: "is required" }]);
  });

  it("refuses malformed JSON, unknown fields and bad values with invalid_argument, never internal", async () => {
    const malformed = await post(REQUEST_AUTH_CODE, '{"external_user_id":');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^the request body is not valid JSON/) as unknown,
      details: [
        { type: "google.rpc.ErrorInfo", debug: { reason: "INVALID_ARGUMENT", domain: "userlink.v1" } },
      ],
    });

    const unknown = await post(REQUEST_AUTH_CODE, '{"external_user_id":"x","colour":"red"}');
    expect(unknown.status).toBe(400);
    expect(violations(errorOf(unknown))).toEqual([
      { field: "colour", description: "is not a field of this message" },
    ]);

    const nested = await post(
      CREATE_USER,
      '{"authentication_code":"x","device":{"platform":"PLATFORM_IOS","colour":1}}',
    );
    expect(violations(errorOf(nested))).toEqual([
      { field: "device.colour", description: "is not a field of this message" },
    ]);
    const badEnum = await post(
      CREATE_USER,
      '{"authentication_code":"x","device":{"platform":"PLATFORM_NOKIA"}}',
    );
    expect(errorOf(badEnum).code).toBe("invalid_argument");
    expect(violations(errorOf(badEnum))).toMatchObject([{ field: "device.platform" }]);
    const wrongType = await post(REQUEST_AUTH_CODE, '{"external_user_id":42}');
    expect(violations(errorOf(wrongType))).toMatchObject([{ field: "external_user_id" }]);
    const notUtf8 = await post(REQUEST_AUTH_CODE, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
    expect(errorOf(notUtf8).code).toBe("invalid_argument");
    const notAnObject = await post(REQUEST_AUTH_CODE, "[1,2]");
    expect(errorOf(notAnObject).code).toBe("invalid_argument");

    const version = await post(REQUEST_AUTH_CODE, '{"external_user_id":"x"}', {
      "connect-protocol-version": "2",
    });
    expect(version.status).toBe(400);
    const timeout = await post(REQUEST_AUTH_CODE, '{"external_user_id":"x"}', {
      "connect-timeout-ms": "soon",
    });
    expect(timeout.status).toBe(400);
    expect(errorOf(timeout).message).toMatch(/connect-timeout-ms/);
    const gzip = await post(REQUEST_AUTH_CODE, '{"external_user_id":"x"}', { "content-encoding": "gzip" });
    expect(errorOf(gzip).code).toBe("unimplemented");
  });

  it("streams WatchDeviceStatus as envelopes and ends it at connect-timeout-ms with deadline_exceeded", async () => {
    const code = JSON.parse(
      (await post(REQUEST_AUTH_CODE, '{"external_user_id":"watcher"}')).body.toString(),
    ) as {
      authenticationCode: string;
    };
    const created = JSON.parse(
      (
        await post(
          CREATE_USER,
          JSON.stringify({
            authentication_code: code.authenticationCode,
            request_id: crypto.randomUUID(),
            device: { platform: "PLATFORM_ANDROID", device_type: "DEVICE_TYPE_PHONE" },
          }),
        )
      ).body.toString(),
    ) as { credentials: { accessToken: string } };

    const started = Date.now();
    const watch = await post(WATCH, envelope(0, Buffer.from("{}")), {
      "content-type": "application/connect+json",
      authorization: `Bearer ${created.credentials.accessToken}`,
      "connect-timeout-ms": "400",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(watch.status).toBe(200);
    expect(watch.headers.get("content-type")).toBe("application/connect+json");
    const [first, end, ...rest] = envelopes(watch.body);
    expect(rest).toEqual([]);
    expect(first!.flags).toBe(0);
    expect(JSON.parse(first!.payload.toString())).toMatchObject({ deviceState: "DEVICE_STATE_ACTIVE" });
    expect(end!.flags).toBe(2);
    expect(JSON.parse(end!.payload.toString())).toMatchObject({ error: { code: "deadline_exceeded" } });

    // A unary content type on a streaming method, and the other way round, say which to use.
    const unaryOnStream = await post(WATCH, "{}");
    expect(unaryOnStream.status).toBe(501);
    expect(errorOf(unaryOnStream).message).toMatch(/application\/connect\+json/);
    const streamOnUnary = await post(REQUEST_AUTH_CODE, envelope(0, Buffer.from("{}")), {
      "content-type": "application/connect+json",
    });
    const [streamEnd] = envelopes(streamOnUnary.body);
    expect(JSON.parse(streamEnd!.payload.toString())).toMatchObject({ error: { code: "unimplemented" } });
  });

  it("answers random bodies in every Connect content type without internal or unknown", async () => {
    const types = [
      "application/json",
      "application/proto",
      "application/connect+json",
      "application/connect+proto",
    ];
    const paths = [REQUEST_AUTH_CODE, CREATE_USER, WATCH, "/userlink.v1.AdminService/CreateApp"];
    const codes = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const bytes = randomBytes(1 + (i % 40));
      // A third are JSON-looking, so the JSON decoder sees near misses and not only noise.
      const body = i % 3 === 0 ? Buffer.from(`{"${bytes.toString("base64url")}":${i}}`) : bytes;
      const answer = await post(paths[i % paths.length]!, body, { "content-type": types[i % types.length]! });
      const text = answer.body.toString("latin1");
      const code =
        /"code":"(\w+)"/.exec(text)?.[1] ?? (answer.status === 200 ? "ok" : `http ${answer.status}`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(
      [...codes.keys()].filter((code) => ["internal", "unknown"].includes(code) || code.startsWith("http")),
    ).toEqual([]);
    expect(codes.get("invalid_argument")).toBeGreaterThan(0);
  });
});
