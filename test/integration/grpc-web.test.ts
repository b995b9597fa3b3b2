import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyScope, DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { expectGrpcError, phone, tablet } from "../support/flow.js";
import { grpcWebClients, type WebClients } from "../support/grpc-web-clients.js";
import { StreamRecorder } from "../support/stream.js";
import {
  BACKENDS,
  createStorage,
  startInstance,
  type Storage,
  type TestInstance,
} from "../support/userlink-server.js";

describe.each(BACKENDS)("every service through gRPC-Web with nice-grpc-web (%s)", (backend) => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let web: WebClients;
  let apiKey: string;

  beforeAll(async () => {
    storage = await createStorage(backend);
    server = await startInstance(storage);
    web = grpcWebClients(server.grpcWebUrl, storage.adminToken);
    const { app } = await web.admin.createApp({ displayName: "Web app", sdkConfig: { theme: "light" } });
    const key = await web.admin.createApiKey({
      appId: app!.appId,
      name: "web backend",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK, ApiKeyScope.API_KEY_SCOPE_USER_READ],
    });
    apiKey = key.apiKey;
    expect(key.key!.scopes).toHaveLength(2);
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("links a user on a device and reads its status (admin, link and device unary calls)", async () => {
    const code = await web.link(apiKey).requestAuthCode({ externalUserId: "web-customer-1" });
    expect(code).toMatchObject({ existingUser: false, userId: "" });
    expect(code.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    const created = await web
      .device()
      .createUser({ ...phone(), authenticationCode: code.authenticationCode });
    expect(created).toMatchObject({
      restored: false,
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      stateReason: StateReason.STATE_REASON_NEW_DEVICE,
      sdkConfig: { theme: "light" },
      configVersion: "1",
    });

    const status = await web.device(created.credentials!.accessToken).getDeviceStatus({});
    expect(status).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      userId: created.userId,
      deviceId: created.deviceId,
      sdkConfig: { theme: "light" },
    });
    // The same user as seen over plain gRPC: one set of services behind both ports.
    const { user } = await server.link(apiKey).getUser({ user: { $case: "userId", value: created.userId } });
    expect(user!.externalUserId).toBe("web-customer-1");
  });

  it("streams WatchDeviceStatus: the current state, then the replacement when the user is restored elsewhere", async () => {
    const link = web.link(apiKey);
    const first = await link.requestAuthCode({ externalUserId: "web-watcher" });
    const tabletDevice = await web
      .device()
      .createUser({ ...tablet(), authenticationCode: first.authenticationCode });
    const watch = new StreamRecorder(web.device(tabletDevice.credentials!.accessToken).watchDeviceStatus({}));
    expect(await watch.nth(1)).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_ACTIVE });

    const again = await link.requestAuthCode({ externalUserId: "web-watcher" });
    const phoneDevice = await web
      .device()
      .createUser({ ...phone(), authenticationCode: again.authenticationCode });
    expect(phoneDevice).toMatchObject({ userId: tabletDevice.userId, restored: true });

    expect(await watch.nth(2)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
    });
    await watch.end();
    expect(watch.error).toBeUndefined();
    expect(watch.messages).toHaveLength(2);
  });

  it("carries every error's status and ErrorInfo reason (grpc-status-details-bin) to the client", async () => {
    await expectGrpcError(web.link("nope.nope").requestAuthCode({ externalUserId: "x" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_INVALID",
    });
    await expectGrpcError(web.link(apiKey).deleteUser({ user: { $case: "externalUserId", value: "x" } }), {
      code: Status.PERMISSION_DENIED,
      reason: "SCOPE_MISSING",
    });
    await expectGrpcError(web.device().createUser({ ...phone(), authenticationCode: "A".repeat(43) }), {
      code: Status.UNAUTHENTICATED,
      reason: "AUTH_CODE_INVALID",
    });
    await expectGrpcError(web.link(apiKey).requestAuthCode({ externalUserId: "" }), {
      code: Status.INVALID_ARGUMENT,
      reason: "INVALID_ARGUMENT",
      fields: ["external_user_id"],
    });
    await expectGrpcError(web.admin.getApp({ appId: randomUUID() }), {
      code: Status.NOT_FOUND,
      reason: "APP_NOT_FOUND",
    });
    const wrongAdmin = grpcWebClients(server.grpcWebUrl, "not-the-admin-token").admin;
    await expectGrpcError(wrongAdmin.listApps({}), {
      code: Status.UNAUTHENTICATED,
      reason: "ADMIN_TOKEN_INVALID",
    });
  });
});
