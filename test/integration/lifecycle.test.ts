import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, linkDevice, phone } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import { StreamRecorder } from "../support/stream.js";
import { BACKENDS, useInstance, type OwnedStorage, type TestInstance } from "../support/userlink-server.js";

const deactivated = (reason: string) => ({
  code: Status.UNAUTHENTICATED,
  reason: "DEVICE_DEACTIVATED",
  metadata: { state_reason: `STATE_REASON_${reason}` },
});

describe.each(BACKENDS)("device lifecycle on one instance (%s)", (backend) => {
  let storage: OwnedStorage;
  let server: TestInstance;
  let apiKey: string;
  let appId: string;

  useInstance(backend, async (started) => {
    ({ storage, server } = started);
    ({ apiKey, appId } = await createAppWithKey(server));
  });

  it("rotates credentials on every refresh, and a reused refresh token deactivates the device", async () => {
    const created = await linkDevice(server, apiKey, "refresher");
    const first = created.credentials!;
    const second = (await server.device().refreshCredentials({ refreshToken: first.refreshToken }))
      .credentials!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await server.device(second.accessToken).getDeviceStatus({})).deviceId).toBe(created.deviceId);
    const third = (await server.device().refreshCredentials({ refreshToken: second.refreshToken }))
      .credentials!;
    await server.device(third.accessToken).getDeviceStatus({});

    // The first refresh token was rotated away: presenting it again is theft or a bug.
    await expectGrpcError(server.device().refreshCredentials({ refreshToken: first.refreshToken }), {
      code: Status.UNAUTHENTICATED,
      reason: "CREDENTIALS_REUSED",
    });
    await expectGrpcError(
      server.device(third.accessToken).getDeviceStatus({}),
      deactivated("CREDENTIALS_REUSED"),
    );
    await expectGrpcError(server.device().refreshCredentials({ refreshToken: third.refreshToken }), {
      code: Status.UNAUTHENTICATED,
      reason: "DEVICE_DEACTIVATED",
    });
    await expectGrpcError(server.device().refreshCredentials({ refreshToken: "x".repeat(43) }), {
      code: Status.UNAUTHENTICATED,
      reason: "DEVICE_TOKEN_INVALID",
    });
  });

  it("lets exactly one of concurrent refreshes with one token win", async () => {
    const created = await linkDevice(server, apiKey, "concurrent-refresh");
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        server.device().refreshCredentials({ refreshToken: created.credentials!.refreshToken }),
      ),
    );
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    for (const lost of attempts.filter((a) => a.status === "rejected")) {
      await expectGrpcError(Promise.reject(lost.reason), {
        code: Status.UNAUTHENTICATED,
        reason: "CREDENTIALS_REUSED",
      });
    }
  });

  it("streams the current state, then the replacement, then ends", async () => {
    const created = await linkDevice(server, apiKey, "watched");
    const stream = new StreamRecorder(server.device(created.credentials!.accessToken).watchDeviceStatus({}));
    expect(await stream.nth(1)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      stateReason: StateReason.STATE_REASON_NEW_DEVICE,
      configVersion: "1",
    });
    await linkDevice(server, apiKey, "watched");
    expect(await stream.nth(2)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
    });
    await stream.end();
    expect(stream.error).toBeUndefined();
    expect(stream.messages).toHaveLength(2);
  });

  it("sends a new SDK config to open streams", async () => {
    const created = await linkDevice(server, apiKey, "configured");
    const stream = new StreamRecorder(server.device(created.credentials!.accessToken).watchDeviceStatus({}));
    await stream.nth(1);
    await server.admin.updateApp({ appId, sdkConfig: { theme: "light" } });
    expect(await stream.nth(2)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      configVersion: "2",
    });
    const status = await server.device(created.credentials!.accessToken).getDeviceStatus({});
    expect(status).toMatchObject({ configVersion: "2", sdkConfig: { theme: "light" } });
    await server.admin.updateApp({ appId, sdkConfig: { theme: "dark", features: { chat: true } } });
  });

  it("resets a device, ends its stream, refuses its tokens, and lets the app create a user on it again", async () => {
    const created = await linkDevice(server, apiKey, "resetter");
    const token = created.credentials!.accessToken;
    const stream = new StreamRecorder(server.device(token).watchDeviceStatus({}));
    await stream.nth(1);
    const reset = await server.device(token).resetDevice({});
    expect(reset).toEqual({
      deviceState: DeviceState.DEVICE_STATE_RESET,
      stateReason: StateReason.STATE_REASON_RESET,
    });
    expect(await stream.nth(2)).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_RESET });
    await stream.end();
    await expectGrpcError(server.device(token).getDeviceStatus({}), deactivated("RESET"));
    await expectGrpcError(server.device(token).resetDevice({}), deactivated("RESET"));
    await expectGrpcError(
      server.device().refreshCredentials({ refreshToken: created.credentials!.refreshToken }),
      {
        code: Status.UNAUTHENTICATED,
        reason: "DEVICE_DEACTIVATED",
      },
    );
    // The refused refresh changed nothing: the access token still says why.
    await expectGrpcError(server.device(token).getDeviceStatus({}), deactivated("RESET"));

    const again = await linkDevice(server, apiKey, "resetter");
    expect(again).toMatchObject({
      userId: created.userId,
      restored: true,
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
    });
    const other = await linkDevice(server, apiKey, "someone else on the same phone");
    expect(other.userId).not.toBe(created.userId);
  });

  it("deletes a user: streams end with USER_DELETED, outstanding codes die, rows go, the id can link again", async () => {
    const created = await linkDevice(server, apiKey, "forget me");
    const token = created.credentials!.accessToken;
    const stream = new StreamRecorder(server.device(token).watchDeviceStatus({}));
    await stream.nth(1);
    const outstanding = await server.link(apiKey).requestAuthCode({ externalUserId: "forget me" });

    const deleted = await server
      .link(apiKey)
      .deleteUser({ user: { $case: "userId", value: created.userId } });
    expect(deleted).toEqual({ userId: created.userId, devicesRemoved: 1 });
    expect(await stream.nth(2)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_USER_DELETED,
    });
    await stream.end();
    expect(stream.error).toBeUndefined();
    await expectGrpcError(server.device(token).getDeviceStatus({}), {
      code: Status.UNAUTHENTICATED,
      reason: "DEVICE_TOKEN_INVALID",
    });
    await expectGrpcError(
      server.device().createUser({ ...phone(), authenticationCode: outstanding.authenticationCode }),
      {
        code: Status.UNAUTHENTICATED,
        reason: "AUTH_CODE_INVALID",
      },
    );

    if (backend === "real") {
      const rows = await queryDb<{ n: string }>(
        storage,
        `select (select count(*) from users where id = $1)
              + (select count(*) from devices where user_id = $1)
              + (select count(*) from device_credentials where device_id = $2)
              + (select count(*) from retired_refresh_tokens where device_id = $2)
              + (select count(*) from audit_events where user_id = $1 or device_id = $2) as n`,
        [created.userId, created.deviceId],
      );
      expect(Number(rows[0]!.n)).toBe(0);
      const trail = await queryDb<{ kind: string }>(
        storage,
        "select kind from audit_events where kind = 'user.deleted' and app_id = $1",
        [appId],
      );
      expect(trail.length).toBeGreaterThan(0);
    }

    const relinked = await linkDevice(server, apiKey, "forget me");
    expect(relinked.restored).toBe(false);
    expect(relinked.userId).not.toBe(created.userId);
  });

  it("disables a user (devices deactivated, codes refused) and enables them again", async () => {
    const created = await linkDevice(server, apiKey, "disabled one");
    const token = created.credentials!.accessToken;
    const stream = new StreamRecorder(server.device(token).watchDeviceStatus({}));
    await stream.nth(1);
    const pending = await server.link(apiKey).requestAuthCode({ externalUserId: "disabled one" });

    const disabled = await server.admin.setUserDisabled({ appId, userId: created.userId, disabled: true });
    expect(disabled.user?.disabled).toBe(true);
    expect(await stream.nth(2)).toMatchObject({ stateReason: StateReason.STATE_REASON_USER_DISABLED });
    await stream.end();
    await expectGrpcError(server.device(token).getDeviceStatus({}), deactivated("USER_DISABLED"));
    const refused = { code: Status.PERMISSION_DENIED, reason: "USER_DISABLED" };
    await expectGrpcError(server.link(apiKey).requestAuthCode({ externalUserId: "disabled one" }), refused);
    await expectGrpcError(
      server.device().createUser({ ...phone(), authenticationCode: pending.authenticationCode }),
      refused,
    );

    await server.admin.setUserDisabled({ appId, userId: created.userId, disabled: false });
    const back = await linkDevice(server, apiKey, "disabled one");
    expect(back).toMatchObject({
      userId: created.userId,
      restored: true,
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
    });
  });

  it("answers a retry of CreateUser (same code, same request_id) with the same ids and fresh credentials", async () => {
    const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "retrier" });
    const request = { ...phone({ requestId: randomUUID() }), authenticationCode };
    const first = await server.device().createUser(request);
    const retry = await server.device().createUser(request);
    expect(retry).toMatchObject({ userId: first.userId, deviceId: first.deviceId, restored: false });
    expect(retry.credentials!.accessToken).not.toBe(first.credentials!.accessToken);
    await server.device(retry.credentials!.accessToken).getDeviceStatus({});
    await expectGrpcError(server.device(first.credentials!.accessToken).getDeviceStatus({}), {
      code: Status.UNAUTHENTICATED,
      reason: "DEVICE_TOKEN_INVALID",
    });
    // A different request_id with the same code is a replay.
    await expectGrpcError(server.device().createUser({ ...request, requestId: randomUUID() }), {
      code: Status.UNAUTHENTICATED,
      reason: "AUTH_CODE_ALREADY_USED",
    });
  });

  it.runIf(backend === "real")(
    "records every device state change in the audit trail with its reason",
    async () => {
      const created = await linkDevice(server, apiKey, "audited");
      const second = await linkDevice(server, apiKey, "audited");
      await server.device(second.credentials!.accessToken).resetDevice({});
      const rows = await queryDb<{ device_id: string; state: string; reason: string }>(
        storage,
        "select device_id, state, reason from audit_events where user_id = $1 and state is not null order by id",
        [created.userId],
      );
      expect(rows).toEqual([
        { device_id: created.deviceId, state: "ACTIVE", reason: "NEW_DEVICE" },
        { device_id: created.deviceId, state: "DEACTIVATED", reason: "REPLACED_BY_NEWER_DEVICE" },
        { device_id: second.deviceId, state: "ACTIVE", reason: "NEW_DEVICE" },
        { device_id: second.deviceId, state: "RESET", reason: "RESET" },
      ]);
    },
  );
});
