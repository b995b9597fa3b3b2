import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
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
  type AdminClient,
  type ClientOptions,
} from "../../clients/node/src/index.js";
import { StreamRecorder } from "../support/stream.js";
import { failure } from "./client-helpers.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const ALL_SCOPES = [
  ApiKeyScope.API_KEY_SCOPE_USER_LINK,
  ApiKeyScope.API_KEY_SCOPE_USER_READ,
  ApiKeyScope.API_KEY_SCOPE_USER_DELETE,
];
const PHONE = { platform: Platform.PLATFORM_ANDROID, deviceType: DeviceType.DEVICE_TYPE_PHONE };

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
});
