import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../gen-es/google/rpc/error_details_pb.js";
import { AdminService } from "../gen-es/userlink/v1/admin_service_pb.js";
import { DeviceService } from "../gen-es/userlink/v1/device_service_pb.js";
import { LinkService } from "../gen-es/userlink/v1/link_service_pb.js";
import {
  ApiKeyScope,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
} from "../gen-es/userlink/v1/types_pb.js";
import {
  createStorage,
  startInstance,
  useInstance,
  type Storage,
  type TestInstance,
} from "../support/userlink-server.js";

// Connect-ES, a client we did not write, over both HTTP versions and both codecs.
const VARIANTS = [
  { httpVersion: "1.1", useBinaryFormat: false },
  { httpVersion: "2", useBinaryFormat: false },
  { httpVersion: "1.1", useBinaryFormat: true },
  { httpVersion: "2", useBinaryFormat: true },
] as const;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function device(deviceType: DeviceType) {
  return {
    requestId: randomUUID(),
    app: { appVersion: "1.2.3", sdkVersion: "4.5.6" },
    device: { platform: Platform.IOS, deviceType, model: "iPhone15,2", osVersion: "17.1" },
  };
}

async function refused(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded");
}

describe("Connect-ES against the gRPC-Web port (embedded)", () => {
  let server: TestInstance;
  let storage: Storage;
  useInstance("embedded", (started) => {
    ({ server, storage } = started);
  });

  describe.each(VARIANTS)("HTTP/$httpVersion, binary $useBinaryFormat", (variant) => {
    let transport: Transport;
    beforeAll(() => {
      transport = createConnectTransport({ ...variant, baseUrl: server.grpcWebUrl });
    });

    it("runs the whole flow: app and key, code, user, status, and a watch that sees the replacement", async () => {
      const admin = createClient(AdminService, transport);
      const { app } = await admin.createApp(
        { displayName: "Connect app", sdkConfig: { theme: "dark" } },
        bearer(storage.adminToken),
      );
      const { apiKey } = await admin.createApiKey(
        { appId: app!.appId, name: "backend", scopes: [ApiKeyScope.USER_LINK] },
        bearer(storage.adminToken),
      );
      const link = createClient(LinkService, transport);
      const devices = createClient(DeviceService, transport);

      const first = await link.requestAuthCode({ externalUserId: "connect-42" }, bearer(apiKey));
      expect(first.authenticationCode).not.toBe("");
      expect(first.expiresAt!.seconds).toBeGreaterThan(BigInt(Math.floor(Date.now() / 1000)));
      const tablet = await devices.createUser({
        ...device(DeviceType.TABLET),
        authenticationCode: first.authenticationCode,
      });
      expect(tablet).toMatchObject({ restored: false, deviceState: DeviceState.ACTIVE });
      expect(tablet.sdkConfig).toEqual({ theme: "dark" });
      const status = await devices.getDeviceStatus({}, bearer(tablet.credentials!.accessToken));
      expect(status).toMatchObject({
        userId: tablet.userId,
        deviceId: tablet.deviceId,
        deviceState: DeviceState.ACTIVE,
      });

      const stream = devices.watchDeviceStatus({}, bearer(tablet.credentials!.accessToken));
      const watch = stream[Symbol.asyncIterator]();
      expect((await watch.next()).value).toMatchObject({ deviceState: DeviceState.ACTIVE });

      const again = await link.requestAuthCode({ externalUserId: "connect-42" }, bearer(apiKey));
      const phone = await devices.createUser({
        ...device(DeviceType.PHONE),
        authenticationCode: again.authenticationCode,
      });
      expect(phone).toMatchObject({ userId: tablet.userId, restored: true });
      expect((await watch.next()).value).toMatchObject({
        deviceState: DeviceState.DEACTIVATED,
        stateReason: StateReason.REPLACED_BY_NEWER_DEVICE,
      });
      await watch.return?.();
    });

    it("carries each error's code and details: ErrorInfo, BadRequest", async () => {
      const link = createClient(LinkService, transport);
      const wrongKey = await refused(link.requestAuthCode({ externalUserId: "x" }, bearer("nope.nope")));
      expect(wrongKey.code).toBe(Code.Unauthenticated);
      expect(wrongKey.findDetails(ErrorInfoSchema)).toMatchObject([
        { reason: "API_KEY_INVALID", domain: "userlink.v1" },
      ]);

      const admin = createClient(AdminService, transport);
      const badFields = await refused(admin.createApp({ displayName: "" }, bearer(storage.adminToken)));
      expect(badFields.code).toBe(Code.InvalidArgument);
      expect(badFields.findDetails(ErrorInfoSchema)[0]?.reason).toBe("INVALID_ARGUMENT");
      expect(badFields.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
        "display_name",
      ]);

      const notFound = await refused(admin.getApp({ appId: "app_nope" }, bearer(storage.adminToken)));
      expect([Code.NotFound, Code.InvalidArgument]).toContain(notFound.code);
      expect(notFound.findDetails(ErrorInfoSchema)).toHaveLength(1);
    });

    it("passes the deadline on: a watch with timeoutMs ends with deadline_exceeded", async () => {
      const admin = createClient(AdminService, transport);
      const { app } = await admin.createApp({ displayName: "deadline" }, bearer(storage.adminToken));
      const { apiKey } = await admin.createApiKey(
        { appId: app!.appId, name: "k", scopes: [ApiKeyScope.USER_LINK] },
        bearer(storage.adminToken),
      );
      const code = await createClient(LinkService, transport).requestAuthCode(
        { externalUserId: "late" },
        bearer(apiKey),
      );
      const devices = createClient(DeviceService, transport);
      const created = await devices.createUser({
        ...device(DeviceType.PHONE),
        authenticationCode: code.authenticationCode,
      });
      const started = Date.now();
      const seen: unknown[] = [];
      const error = await refused(
        (async () => {
          for await (const message of devices.watchDeviceStatus(
            {},
            { ...bearer(created.credentials!.accessToken), timeoutMs: 500 },
          )) {
            seen.push(message);
          }
        })(),
      );
      expect(error.code).toBe(Code.DeadlineExceeded);
      expect(seen).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});

describe("Connect rate limits carry RetryInfo", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  beforeAll(async () => {
    storage = await createStorage("embedded");
    server = await startInstance(storage, {
      USERLINK_RATE_KEY_MAX: "2",
      USERLINK_RATE_KEY_WINDOW_SECONDS: "60",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("answers resource_exhausted with ErrorInfo RATE_LIMITED and a RetryInfo delay", async () => {
    const transport = createConnectTransport({ httpVersion: "1.1", baseUrl: server.grpcWebUrl });
    const admin = createClient(AdminService, transport);
    const { app } = await admin.createApp({ displayName: "limited" }, bearer(storage.adminToken));
    const { apiKey } = await admin.createApiKey(
      { appId: app!.appId, name: "k", scopes: [ApiKeyScope.USER_LINK] },
      bearer(storage.adminToken),
    );
    const link = createClient(LinkService, transport);
    let limited: ConnectError | undefined;
    for (let i = 0; i < 10 && limited === undefined; i++) {
      await link.requestAuthCode({ externalUserId: `u${i}` }, bearer(apiKey)).catch((error: unknown) => {
        limited = ConnectError.from(error);
      });
    }
    expect(limited?.code).toBe(Code.ResourceExhausted);
    expect(limited!.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RATE_LIMITED");
    const [retry] = limited!.findDetails(RetryInfoSchema);
    expect(
      Number(retry?.retryDelay?.seconds ?? 0) * 1000 + (retry?.retryDelay?.nanos ?? 0) / 1e6,
    ).toBeGreaterThan(0);
  });
});
