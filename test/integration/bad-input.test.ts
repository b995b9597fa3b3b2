import { randomBytes } from "node:crypto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { CreateUserRequest } from "../../src/gen/userlink/v1/device_service.js";
import { RequestAuthCodeRequest } from "../../src/gen/userlink/v1/link_service.js";
import { DeviceType, Platform } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, phone } from "../support/flow.js";
import { callRaw } from "../support/raw-grpc.js";
import { BACKENDS, useInstance, type TestInstance } from "../support/userlink-server.js";

const invalid = (fields: string[]) => ({ code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT", fields });

describe.each(BACKENDS)("bad input, rule 13 (%s)", (backend) => {
  let server: TestInstance;
  let apiKey: string;

  useInstance(backend, async (started) => {
    ({ server } = started);
    ({ apiKey } = await createAppWithKey(server));
  });

  it.each([
    ["empty", ""],
    ["257 bytes", "x".repeat(257)],
    ["129 two-byte characters (258 bytes)", "é".repeat(129)],
    ["a control character", "alice\u0000"],
    ["a newline", "alice\nbob"],
  ])("refuses an external_user_id that is %s", async (_, externalUserId) => {
    await expectGrpcError(
      server.link(apiKey).requestAuthCode({ externalUserId }),
      invalid(["external_user_id"]),
    );
  });

  it("accepts an external_user_id of exactly 256 bytes of UTF-8", async () => {
    const externalUserId = "é".repeat(128);
    const answer = await server.link(apiKey).requestAuthCode({ externalUserId });
    expect(answer.authenticationCode).not.toBe("");
  });

  it("reports every bad CreateUser field at once, and never burns the code", async () => {
    const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "careful" });
    await expectGrpcError(
      server.device().createUser({
        authenticationCode,
        requestId: "",
        app: { appVersion: "v".repeat(300), sdkVersion: "" },
        device: {
          platform: Platform.PLATFORM_UNSPECIFIED,
          deviceType: 7 as DeviceType,
          model: "",
          osVersion: "",
        },
      }),
      invalid(["request_id", "app.app_version", "device.platform", "device.device_type"]),
    );
    await expectGrpcError(
      server.device().createUser({ authenticationCode, requestId: "r1", app: undefined, device: undefined }),
      invalid(["device"]),
    );
    const created = await server.device().createUser({ ...phone(), authenticationCode });
    expect(created.userId).not.toBe("");
  });

  it("refuses a missing user selector, a bad user_id, and a garbage page_token or page_size", async () => {
    const link = server.link(apiKey);
    await expectGrpcError(link.getUser({ user: undefined }), invalid(["user"]));
    await expectGrpcError(
      link.getUser({ user: { $case: "userId", value: "not-a-uuid" } }),
      invalid(["user_id"]),
    );
    await expectGrpcError(
      link.deleteUser({ user: { $case: "externalUserId", value: "" } }),
      invalid(["external_user_id"]),
    );
    await expectGrpcError(link.listUsers({ pageSize: 10, pageToken: "garbage!" }), invalid(["page_token"]));
    await expectGrpcError(link.listUsers({ pageSize: -1, pageToken: "" }), invalid(["page_size"]));
  });

  it("refuses bad admin input with the field names", async () => {
    await expectGrpcError(
      server.admin.createApp({ displayName: "", authCodeTtl: { seconds: "5", nanos: 0 } }),
      invalid(["display_name", "auth_code_ttl"]),
    );
    await expectGrpcError(
      server.admin.createApiKey({ appId: "nope", name: "", scopes: [] }),
      invalid(["app_id", "name", "scopes"]),
    );
  });

  it("refuses a message over 64 KiB with INVALID_ARGUMENT", async () => {
    const body = Buffer.from(RequestAuthCodeRequest.encode({ externalUserId: "x".repeat(70_000) }).finish());
    const answer = await callRaw(server.address, "/userlink.v1.LinkService/RequestAuthCode", body, {
      authorization: `Bearer ${apiKey}`,
    });
    expect(answer.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it("answers undecodable bytes and invalid UTF-8 with INVALID_ARGUMENT, on every method, and keeps serving", async () => {
    // Each method with the number of one of its string fields (0: it has none).
    const methods: [string, number][] = [
      ["/userlink.v1.LinkService/RequestAuthCode", 1],
      ["/userlink.v1.LinkService/GetUser", 1],
      ["/userlink.v1.LinkService/ListUsers", 2],
      ["/userlink.v1.LinkService/DeleteUser", 2],
      ["/userlink.v1.DeviceService/CreateUser", 1],
      ["/userlink.v1.DeviceService/GetDeviceStatus", 0],
      ["/userlink.v1.DeviceService/RefreshCredentials", 1],
      ["/userlink.v1.DeviceService/ResetDevice", 0],
      ["/userlink.v1.AdminService/CreateApp", 1],
      ["/userlink.v1.AdminService/CreateApiKey", 1],
    ];
    const paths = methods.map(([path]) => path);
    for (const [path, stringField] of methods) {
      // A length-delimited field claiming more bytes than follow.
      const truncated = Buffer.from([0x0a, 0x20, 0x41]);
      const answer = await callRaw(server.address, path, truncated, { authorization: `Bearer ${apiKey}` });
      expect({ path, code: GrpcStatus[answer.code] }).toEqual({ path, code: "INVALID_ARGUMENT" });
      if (stringField === 0) continue;
      // A string field holding the invalid UTF-8 sequence ff fe.
      const badUtf8 = Buffer.from([(stringField << 3) | 2, 0x02, 0xff, 0xfe]);
      const utf8Answer = await callRaw(server.address, path, badUtf8, { authorization: `Bearer ${apiKey}` });
      expect({ path, code: GrpcStatus[utf8Answer.code] }).toEqual({ path, code: "INVALID_ARGUMENT" });
    }
    let unexpected = 0;
    for (let i = 0; i < 200; i++) {
      const answer = await callRaw(server.address, paths[i % paths.length]!, randomBytes(1 + (i % 64)), {
        authorization: `Bearer ${apiKey}`,
      });
      if (answer.code === GrpcStatus.INTERNAL || answer.code === GrpcStatus.UNKNOWN) unexpected++;
    }
    expect(unexpected).toBe(0);
    const fine = CreateUserRequest.encode({
      authenticationCode: "x",
      requestId: "r",
      app: undefined,
      device: {
        platform: Platform.PLATFORM_IOS,
        deviceType: DeviceType.DEVICE_TYPE_PHONE,
        model: "",
        osVersion: "",
      },
    }).finish();
    const answer = await callRaw(server.address, "/userlink.v1.DeviceService/CreateUser", Buffer.from(fine));
    expect(GrpcStatus[answer.code]).toBe("UNAUTHENTICATED");
  });
});
