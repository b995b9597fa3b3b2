import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { ClientError, Status } from "nice-grpc";
import { Any, BadRequest, ErrorInfo, RetryInfo } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiKeyScope,
  createAdminClient,
  createDeviceClient,
  createLinkClient,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
  UserlinkError,
  type AdminClient,
  type ClientOptions,
  type WatchDeviceStatusResponse,
} from "../../clients/node/src/index.js";
import { toUserlinkError } from "../../clients/core/src/userlink-error.js";
import { StreamRecorder } from "../support/stream.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { freePort } from "../support/free-port.js";

const ALL_SCOPES = [
  ApiKeyScope.API_KEY_SCOPE_USER_LINK,
  ApiKeyScope.API_KEY_SCOPE_USER_READ,
  ApiKeyScope.API_KEY_SCOPE_USER_DELETE,
];
const PHONE = { platform: Platform.PLATFORM_ANDROID, deviceType: DeviceType.DEVICE_TYPE_PHONE };

/** Awaits a call that must fail and returns its error, which must be a UserlinkError. */
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

/** A TCP server that accepts connections and never answers: every call waits for its deadline. */
async function blackhole(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("the Node client (@userlink/client) against a real server", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let admin: AdminClient;
  let appId: string;
  let apiKey: string;
  const options = (): ClientOptions => ({ address: server.address });

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage);
    admin = createAdminClient({ ...options(), adminToken: storage.adminToken });
    const { app } = await admin.createApp({ displayName: "Node client app", sdkConfig: { theme: "dark" } });
    appId = app!.appId;
    ({ apiKey } = await admin.createApiKey({ appId, name: "backend", scopes: ALL_SCOPES }));
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
    await storage?.destroy();
  });

  it("manages apps and keys with the admin client", async () => {
    const { app } = await admin.createApp({ displayName: "Second", authCodeTtl: { seconds: "120" } });
    expect(app).toMatchObject({ displayName: "Second", configVersion: "1", authCodeTtl: { seconds: "120" } });
    expect((await admin.getApp({ appId: app!.appId })).app?.displayName).toBe("Second");
    const { apps } = await admin.listApps();
    expect(apps.map((a) => a.appId)).toEqual(expect.arrayContaining([appId, app!.appId]));
    const updated = await admin.updateApp({ appId: app!.appId, sdkConfig: { theme: "light" } });
    expect(updated.app).toMatchObject({ configVersion: "2", sdkConfig: { theme: "light" } });

    const created = await admin.createApiKey({
      appId: app!.appId,
      name: "ci",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_READ],
    });
    expect(created.apiKey.startsWith(`${created.key!.keyId}.`)).toBe(true);
    const rotated = await admin.rotateApiKey({ keyId: created.key!.keyId, gracePeriod: { seconds: "0" } });
    expect(rotated.rotatedKey).toMatchObject({
      keyId: created.key!.keyId,
      replacedByKeyId: rotated.key!.keyId,
    });
    const revoked = await admin.revokeApiKey({ keyId: rotated.key!.keyId });
    expect(revoked.key?.revokedAt).toBeInstanceOf(Date);
    const { keys } = await admin.listApiKeys({ appId: app!.appId });
    expect(keys.map((k) => k.keyId).sort()).toEqual([created.key!.keyId, rotated.key!.keyId].sort());

    const reader = createLinkClient({ ...options(), apiKey: created.apiKey });
    const error = await failure(reader.listUsers());
    reader.close();
    expect(error).toMatchObject({ codeName: "UNAUTHENTICATED", status: Status.UNAUTHENTICATED });
  });

  it("runs the whole flow with the link and device clients", async () => {
    const link = createLinkClient({ ...options(), apiKey });
    const device = createDeviceClient(options());
    try {
      const code = await link.requestAuthCode({ externalUserId: "node-client-1" });
      expect(code).toMatchObject({ existingUser: false, userId: "" });
      const created = await device.createUser({
        authenticationCode: code.authenticationCode,
        device: PHONE,
        app: { appVersion: "1.0.0", sdkVersion: "0.1.0" },
      });
      expect(created).toMatchObject({
        restored: false,
        deviceState: DeviceState.DEVICE_STATE_ACTIVE,
        sdkConfig: { theme: "dark" },
      });
      // The default requestId is a fresh UUID per call: a second call is a replay.
      const replay = await failure(
        device.createUser({ authenticationCode: code.authenticationCode, device: PHONE }),
      );
      expect(replay).toMatchObject({ codeName: "UNAUTHENTICATED", reason: "AUTH_CODE_ALREADY_USED" });

      const { user } = await link.getUser({ user: { $case: "externalUserId", value: "node-client-1" } });
      expect(user).toMatchObject({ userId: created.userId, devices: [{ deviceId: created.deviceId }] });
      const { users } = await link.listUsers({ pageSize: 10 });
      expect(users.map((u) => u.userId)).toContain(created.userId);

      expect(device.accessToken).toBeUndefined();
      device.setAccessToken(created.credentials!.accessToken);
      expect(await device.getDeviceStatus()).toMatchObject({
        deviceState: DeviceState.DEVICE_STATE_ACTIVE,
        userId: created.userId,
        deviceId: created.deviceId,
        configVersion: "1",
      });

      const refreshed = await device.refreshCredentials({ refreshToken: created.credentials!.refreshToken });
      expect(refreshed.credentials!.accessToken).not.toBe(created.credentials!.accessToken);
      device.setAccessToken(refreshed.credentials!.accessToken);

      const watch = new StreamRecorder(device.watchDeviceStatus());
      expect((await watch.nth(1)).deviceState).toBe(DeviceState.DEVICE_STATE_ACTIVE);
      const reset = await device.resetDevice();
      expect(reset).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_RESET });
      expect(await watch.nth(2)).toMatchObject({
        deviceState: DeviceState.DEVICE_STATE_RESET,
        stateReason: StateReason.STATE_REASON_RESET,
      });
      await watch.end();
      expect({ messages: watch.messages.length, error: watch.error }).toEqual({
        messages: 2,
        error: undefined,
      });

      const refused = await failure(device.getDeviceStatus());
      expect(refused).toMatchObject({
        codeName: "UNAUTHENTICATED",
        status: Status.UNAUTHENTICATED,
        reason: "DEVICE_DEACTIVATED",
        domain: "userlink.v1",
        metadata: { state_reason: "STATE_REASON_RESET" },
        method: "/userlink.v1.DeviceService/GetDeviceStatus",
      });
      expect(refused.message).toContain("DEVICE_DEACTIVATED");

      const disabled = await admin.setUserDisabled({ appId, userId: created.userId, disabled: true });
      expect(disabled.user?.disabled).toBe(true);
      const blocked = await failure(link.requestAuthCode({ externalUserId: "node-client-1" }));
      expect(blocked).toMatchObject({ codeName: "PERMISSION_DENIED", reason: "USER_DISABLED" });

      const deleted = await link.deleteUser({ user: { $case: "userId", value: created.userId } });
      expect(deleted.userId).toBe(created.userId);
      const gone = await failure(link.getUser({ user: { $case: "userId", value: created.userId } }));
      expect(gone).toMatchObject({ codeName: "NOT_FOUND", reason: "USER_NOT_FOUND" });
    } finally {
      link.close();
      device.close();
    }
  });

  it("returns the same user and device when createUser is repeated with the same requestId", async () => {
    const link = createLinkClient({ ...options(), apiKey });
    const device = createDeviceClient(options());
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "node-client-2" });
    const requestId = randomUUID();
    const first = await device.createUser({ authenticationCode, requestId, device: PHONE });
    const again = await device.createUser({ authenticationCode, requestId, device: PHONE });
    link.close();
    device.close();
    expect(again).toMatchObject({ userId: first.userId, deviceId: first.deviceId });
  });

  it("exposes BadRequest field violations", async () => {
    const device = createDeviceClient(options());
    const error = await failure(device.createUser({ authenticationCode: "x".repeat(43), device: {} }));
    device.close();
    expect(error).toMatchObject({ codeName: "INVALID_ARGUMENT", reason: "INVALID_ARGUMENT" });
    expect(error.fieldViolations.map((v) => v.field)).toEqual(
      expect.arrayContaining(["device.platform", "device.device_type"]),
    );
    expect(error.fieldViolations[0]?.description).toEqual(expect.any(String));
  });

  it("fails with UNAUTHENTICATED for a wrong API key or admin token", async () => {
    const link = createLinkClient({ ...options(), apiKey: "not-a-key" });
    const wrongAdmin = createAdminClient({ ...options(), adminToken: "wrong" });
    const [keyError, adminError] = await Promise.all([
      failure(link.requestAuthCode({ externalUserId: "x" })),
      failure(wrongAdmin.listApps()),
    ]);
    link.close();
    wrongAdmin.close();
    expect(keyError).toMatchObject({ codeName: "UNAUTHENTICATED", reason: "API_KEY_INVALID" });
    expect(adminError).toMatchObject({ codeName: "UNAUTHENTICATED", reason: "ADMIN_TOKEN_INVALID" });
  });

  it("ends a watch stream at its deadline, and a unary call at the client's default deadline", async () => {
    const link = createLinkClient({ ...options(), apiKey });
    const device = createDeviceClient(options());
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "node-client-3" });
    const created = await device.createUser({ authenticationCode, device: PHONE });
    device.setAccessToken(created.credentials!.accessToken);
    const started = performance.now();
    const received: WatchDeviceStatusResponse[] = [];
    const streamError = await failure(
      (async () => {
        for await (const message of device.watchDeviceStatus({}, { deadlineMs: 300 })) received.push(message);
      })(),
    );
    expect(streamError.codeName).toBe("DEADLINE_EXCEEDED");
    expect(received).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    link.close();
    device.close();

    const hole = await blackhole();
    const slow = createLinkClient({ address: hole.address, apiKey, deadlineMs: 200 });
    const before = performance.now();
    const error = await failure(slow.getUser({ user: { $case: "userId", value: randomUUID() } }));
    const elapsed = performance.now() - before;
    slow.close();
    await hole.close();
    expect(error.codeName).toBe("DEADLINE_EXCEEDED");
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("maps an aborted call to CANCELLED", async () => {
    const hole = await blackhole();
    const link = createLinkClient({ address: hole.address, apiKey });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(link.listUsers({}, { signal: controller.signal }));
    link.close();
    await hole.close();
    expect(error.codeName).toBe("CANCELLED");
  });

  it("cancels calls and streams in flight on close(), and refuses calls after it", async () => {
    const hole = await blackhole();
    const device = createDeviceClient({ address: hole.address, accessToken: "token" });
    const call = failure(device.getDeviceStatus());
    const stream = failure(
      (async () => {
        for await (const _ of device.watchDeviceStatus());
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    device.close();
    const closed = { codeName: "CANCELLED", details: "the client was closed" };
    expect(await call).toMatchObject(closed);
    expect(await stream).toMatchObject(closed);
    expect(await failure(device.getDeviceStatus())).toMatchObject(closed);
    await hole.close();
  });

  it("retries UNAVAILABLE for safe calls until a server comes up, and never for unsafe ones", async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const retries: string[] = [];
    const retry = {
      baseDelayMs: 100,
      maxRetries: 20,
      onRetry: (e: UserlinkError) => retries.push(e.codeName),
    };

    const unsafeAdmin = createAdminClient({ address, adminToken: storage.adminToken, retry });
    const unsafe = await failure(unsafeAdmin.createApp({ displayName: "never" }));
    unsafeAdmin.close();
    expect(unsafe.codeName).toBe("UNAVAILABLE");
    expect(retries).toEqual([]);

    const noRetry = createLinkClient({ address, apiKey, retry: false });
    expect((await failure(noRetry.listUsers())).codeName).toBe("UNAVAILABLE");
    noRetry.close();

    const link = createLinkClient({ address, apiKey, retry, deadlineMs: 15_000 });
    const pending = link.listUsers();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const late = await startInstance(storage, { USERLINK_GRPC_PORT: String(port) });
    try {
      const { users } = await pending;
      expect(Array.isArray(users)).toBe(true);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(new Set(retries)).toEqual(new Set(["UNAVAILABLE"]));
    } finally {
      link.close();
      await late.stop();
    }
  });

  it("decodes RetryInfo from the trailer's grpc-status-details-bin into retryAfterMs", () => {
    const any = (type: string, value: Uint8Array): Uint8Array =>
      Any.encode(Any.fromPartial({ typeUrl: `type.googleapis.com/google.rpc.${type}`, value })).finish();
    const details = [
      any(
        "ErrorInfo",
        ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "RATE_LIMITED", domain: "userlink.v1" })).finish(),
      ),
      any(
        "RetryInfo",
        RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 2, nanos: 500_000_000 } })).finish(),
      ),
      any("BadRequest", BadRequest.encode(BadRequest.fromPartial({ fieldViolations: [] })).finish()),
    ];
    const writer = new BinaryWriter()
      .uint32(8)
      .int32(Status.RESOURCE_EXHAUSTED)
      .uint32(18)
      .string("slow down");
    for (const detail of details) writer.uint32(26).bytes(detail);
    const error = new ClientError(
      "/userlink.v1.DeviceService/CreateUser",
      Status.RESOURCE_EXHAUSTED,
      "slow down",
    );
    expect(toUserlinkError(error, writer.finish())).toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      codeName: "RESOURCE_EXHAUSTED",
      reason: "RATE_LIMITED",
      retryAfterMs: 2_500,
      retryInfo: { retryDelayMs: 2_500 },
      fieldViolations: [],
      metadata: {},
    });
  });
});
