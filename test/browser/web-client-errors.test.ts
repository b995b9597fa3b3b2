// The web client's error handling, run in Node (whose fetch the client uses as it is):
// the google.rpc details decoder against the reference encoders, and the failures that
// happen on the client's side (deadline, close, abort, no server).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Any, BadRequest, DebugInfo, ErrorInfo, RetryInfo } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceClient, createLinkClient, Status, UserlinkError } from "../../clients/web/src/index.js";
import { decodeStatusDetails } from "../../clients/core/src/status-details.js";

function any(typeName: string, value: Uint8Array): Uint8Array {
  return Any.encode(Any.fromPartial({ typeUrl: `type.googleapis.com/${typeName}`, value })).finish();
}

/** A google.rpc.Status: code, message and the details as Anys. */
function status(details: Uint8Array[]): Uint8Array {
  const writer = new BinaryWriter().uint32(8).int32(16).uint32(18).string("nope");
  for (const detail of details) writer.uint32(26).bytes(detail);
  return writer.finish();
}

async function failure(call: Promise<unknown>): Promise<UserlinkError> {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail, but it succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserlinkError);
  return error as UserlinkError;
}

describe("decodeStatusDetails (grpc-status-details-bin)", () => {
  it("reads ErrorInfo, BadRequest and RetryInfo and skips what it does not know", () => {
    // A FieldViolation as newer protos have it: reason (3) and localized_message (4) after the two strings.
    const violation = new BinaryWriter()
      .uint32(10)
      .string("device.platform")
      .uint32(18)
      .string("is required")
      .uint32(26)
      .string("MISSING")
      .uint32(34)
      .bytes(new BinaryWriter().uint32(10).string("fr").uint32(18).string("requis, é").finish())
      .finish();
    const bytes = status([
      any("google.rpc.DebugInfo", DebugInfo.encode(DebugInfo.fromPartial({ detail: "x" })).finish()),
      any(
        "google.rpc.ErrorInfo",
        ErrorInfo.encode(
          ErrorInfo.fromPartial({
            reason: "DEVICE_DEACTIVATED",
            domain: "userlink.v1",
            metadata: { state_reason: "STATE_REASON_RESET", "": "empty key" },
          }),
        ).finish(),
      ),
      any(
        "google.rpc.BadRequest",
        new BinaryWriter()
          .uint32(10)
          .bytes(violation)
          .raw(
            BadRequest.encode(
              BadRequest.fromPartial({ fieldViolations: [{ field: "request_id", description: "too long" }] }),
            ).finish(),
          )
          .finish(),
      ),
      any(
        "google.rpc.RetryInfo",
        RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 2, nanos: 500_000_001 } })).finish(),
      ),
    ]);

    expect(decodeStatusDetails(bytes)).toEqual({
      errorInfo: {
        reason: "DEVICE_DEACTIVATED",
        domain: "userlink.v1",
        metadata: { state_reason: "STATE_REASON_RESET", "": "empty key" },
      },
      badRequest: {
        fieldViolations: [
          { field: "device.platform", description: "is required" },
          { field: "request_id", description: "too long" },
        ],
      },
      retryInfo: { retryDelayMs: 2_501 },
    });
  });

  it("gives no details for bytes that do not decode, rather than failing the error", () => {
    const info = any(
      "google.rpc.ErrorInfo",
      ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "AUTH_CODE_INVALID" })).finish(),
    );
    const whole = status([info]);
    expect(decodeStatusDetails(whole).errorInfo?.reason).toBe("AUTH_CODE_INVALID");
    for (const broken of [whole.subarray(0, whole.length - 3), new Uint8Array([0xff, 0xff, 0xff])]) {
      expect(decodeStatusDetails(broken)).toEqual({});
    }
    expect(decodeStatusDetails(new Uint8Array(0))).toEqual({});
  });
});

describe("the web client's own failures (Node's fetch)", () => {
  /** An HTTP server that takes every request and never answers it. */
  let silent: Server;
  let silentUrl: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    silent = createServer((req) => seen.push(req.headers));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED, having sent grpc-timeout and the key", async () => {
    const link = createLinkClient({ baseUrl: silentUrl, apiKey: "key.secret", deadlineMs: 5_000 });
    const started = performance.now();
    const error = await failure(link.requestAuthCode({ externalUserId: "x" }, { deadlineMs: 200 }));
    expect(error).toMatchObject({ codeName: "DEADLINE_EXCEEDED", reason: undefined, fieldViolations: [] });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(seen.at(-1)).toMatchObject({
      authorization: "Bearer key.secret",
      "grpc-timeout": "200m",
      "content-type": "application/grpc-web+proto",
    });
  });

  it("ends calls and streams in flight with CANCELLED on close() or an aborted signal", async () => {
    const device = createDeviceClient({ baseUrl: silentUrl, accessToken: "token" });
    const controller = new AbortController();
    const aborted = failure(device.getDeviceStatus({}, { signal: controller.signal }));
    const watching = failure(
      (async () => {
        for await (const _ of device.watchDeviceStatus()) throw new Error("no message was sent");
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await aborted).toMatchObject({ codeName: "CANCELLED", details: "the call was aborted" });
    device.close();
    expect(await watching).toMatchObject({ codeName: "CANCELLED", details: "the client was closed" });
    expect(await failure(device.getDeviceStatus())).toMatchObject({ codeName: "CANCELLED" });
  });

  it("refuses an enum name the contract does not have before sending, naming the field", async () => {
    const device = createDeviceClient({ baseUrl: silentUrl });
    const before = seen.length;
    const error = await failure(
      device.createUser({ authenticationCode: "x", device: { platform: "PLATFORM_WINDOWS" } } as never),
    );
    expect(error).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      codeName: "INVALID_ARGUMENT",
      fieldViolations: [{ field: "device.platform" }],
    });
    expect(seen.length).toBe(before);
  });

  it("reports a server it cannot reach as UNAVAILABLE", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const device = createDeviceClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await failure(device.createUser({ authenticationCode: "x" }));
    expect(error).toMatchObject({ codeName: "UNAVAILABLE", method: "/userlink.v1.DeviceService/CreateUser" });
  });
});
