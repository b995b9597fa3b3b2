import { createClient, Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { describe, expect, it } from "vitest";
import { DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, linkDevice, phone, tablet } from "../support/flow.js";
import { BACKENDS, useInstance, type TestInstance } from "../support/userlink-server.js";

describe.each(BACKENDS)("the link flow through gRPC (%s)", (backend) => {
  let server: TestInstance;
  let apiKey: string;

  useInstance(backend, async (started) => {
    ({ server } = started);
    ({ apiKey } = await createAppWithKey(server));
  });

  it("creates a user on a phone, restores it on a second phone and deactivates the first", async () => {
    const link = server.link(apiKey);
    const first = await link.requestAuthCode({ externalUserId: "customer-1" });
    expect(first.existingUser).toBe(false);
    expect(first.userId).toBe("");
    expect(first.authenticationCode.length).toBeGreaterThanOrEqual(43);
    expect(first.expiresAt!.getTime() - Date.now()).toBeGreaterThan(590_000);

    const created = await server
      .device()
      .createUser({ ...phone(), authenticationCode: first.authenticationCode });
    expect(created).toMatchObject({
      restored: false,
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      stateReason: StateReason.STATE_REASON_NEW_DEVICE,
      sdkConfig: { theme: "dark", features: { chat: true } },
      configVersion: "1",
    });
    expect(created.credentials!.accessToken).not.toBe(created.credentials!.refreshToken);

    const again = await link.requestAuthCode({ externalUserId: "customer-1" });
    expect(again).toMatchObject({ existingUser: true, userId: created.userId });

    const second = await server
      .device()
      .createUser({ ...phone(), authenticationCode: again.authenticationCode });
    expect(second).toMatchObject({
      userId: created.userId,
      restored: true,
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
    });
    expect(second.deviceId).not.toBe(created.deviceId);

    const status = await server.device(second.credentials!.accessToken).getDeviceStatus({});
    expect(status).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_ACTIVE,
      userId: created.userId,
      deviceId: second.deviceId,
      configVersion: "1",
    });
    await expectGrpcError(server.device(created.credentials!.accessToken).getDeviceStatus({}), {
      code: Status.UNAUTHENTICATED,
      reason: "DEVICE_DEACTIVATED",
      metadata: { state_reason: "STATE_REASON_REPLACED_BY_NEWER_DEVICE" },
    });

    const { user } = await link.getUser({ user: { $case: "externalUserId", value: "customer-1" } });
    const states = Object.fromEntries(user!.devices.map((d) => [d.deviceId, [d.state, d.stateReason]]));
    expect(states).toEqual({
      [created.deviceId]: [
        DeviceState.DEVICE_STATE_DEACTIVATED,
        StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
      ],
      [second.deviceId]: [DeviceState.DEVICE_STATE_ACTIVE, StateReason.STATE_REASON_NEW_DEVICE],
    });
  });

  it("refuses a code the second time with AUTH_CODE_ALREADY_USED, and an unknown one with AUTH_CODE_INVALID", async () => {
    const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "reuse" });
    await server.device().createUser({ ...phone(), authenticationCode });
    await expectGrpcError(server.device().createUser({ ...phone(), authenticationCode }), {
      code: Status.UNAUTHENTICATED,
      reason: "AUTH_CODE_ALREADY_USED",
    });
    await expectGrpcError(server.device().createUser({ ...phone(), authenticationCode: "A".repeat(43) }), {
      code: Status.UNAUTHENTICATED,
      reason: "AUTH_CODE_INVALID",
    });
  });

  it("lets exactly one of N concurrent redemptions of one code succeed", async () => {
    const { authenticationCode } = await server
      .link(apiKey)
      .requestAuthCode({ externalUserId: "race-one-code" });
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, () => server.device().createUser({ ...phone(), authenticationCode })),
    );
    const won = attempts.filter((a) => a.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const lost of attempts.filter((a) => a.status === "rejected")) {
      await expectGrpcError(Promise.reject(lost.reason), {
        code: Status.UNAUTHENTICATED,
        reason: "AUTH_CODE_ALREADY_USED",
      });
    }
  });

  it("resolves codes requested for a new external id before any redemption to one user", async () => {
    const link = server.link(apiKey);
    const codes = await Promise.all(
      Array.from({ length: 8 }, () => link.requestAuthCode({ externalUserId: "race-new-user" })),
    );
    expect(codes.every((c) => !c.existingUser)).toBe(true);
    const created = await Promise.all(
      codes.map((c, i) =>
        server
          .device()
          .createUser({ ...(i % 2 === 0 ? phone() : tablet()), authenticationCode: c.authenticationCode }),
      ),
    );
    expect(new Set(created.map((c) => c.userId)).size).toBe(1);
    expect(created.filter((c) => !c.restored)).toHaveLength(1);
    const { user } = await link.getUser({ user: { $case: "userId", value: created[0]!.userId } });
    const active = user!.devices.filter((d) => d.state === DeviceState.DEVICE_STATE_ACTIVE);
    expect(active).toHaveLength(1);
  });

  it("lists users page by page and deletes one", async () => {
    const link = server.link(apiKey);
    for (const id of ["list-a", "list-b", "list-c"]) await linkDevice(server, apiKey, id);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await link.listUsers({ pageSize: 2, pageToken });
      expect(page.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.users.map((u) => u.externalUserId));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(expect.arrayContaining(["list-a", "list-b", "list-c"]));
    expect(new Set(seen).size).toBe(seen.length);

    const deleted = await link.deleteUser({ user: { $case: "externalUserId", value: "list-b" } });
    expect(deleted.devicesRemoved).toBe(1);
    await expectGrpcError(link.getUser({ user: { $case: "externalUserId", value: "list-b" } }), {
      code: Status.NOT_FOUND,
      reason: "USER_NOT_FOUND",
    });
  });

  it("does not accept a code issued before its user was deleted", async () => {
    const link = server.link(apiKey);
    await linkDevice(server, apiKey, "deleted-later");
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "deleted-later" });
    await link.deleteUser({ user: { $case: "externalUserId", value: "deleted-later" } });
    await expectGrpcError(server.device().createUser({ ...phone(), authenticationCode }), {
      code: Status.UNAUTHENTICATED,
      reason: "AUTH_CODE_INVALID",
    });
    // The external id can be linked again, as a new user.
    const fresh = await linkDevice(server, apiKey, "deleted-later");
    expect(fresh.restored).toBe(false);
  });

  it("does not accept a code issued to no user yet, once the user it would have found was deleted", async () => {
    const link = server.link(apiKey);
    // Issued while the external id names nobody: the code carries no user id, so only
    // the revocation of the delete can tell that it is older than the delete.
    const early = await link.requestAuthCode({ externalUserId: "created-then-deleted" });
    expect(early.existingUser).toBe(false);
    await linkDevice(server, apiKey, "created-then-deleted");
    await link.deleteUser({ user: { $case: "externalUserId", value: "created-then-deleted" } });
    await expectGrpcError(
      server.device().createUser({ ...phone(), authenticationCode: early.authenticationCode }),
      {
        code: Status.UNAUTHENTICATED,
        reason: "AUTH_CODE_INVALID",
      },
    );
  });

  it("answers the health check", async () => {
    const health = createClient(HealthDefinition, server.raw());
    expect(await health.check({ service: "" })).toMatchObject({ status: 1 });
  });
});
