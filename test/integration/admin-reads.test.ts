import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { AuditActorKind, AuditEventKind, DeviceState, StateReason } from "../../src/gen/userlink/v1/types.js";
import { adminTokenFingerprint } from "../../src/services/admin-authenticator.js";
import { createAppWithKey, expectGrpcError, linkDevice, phone } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import { StreamRecorder } from "../support/stream.js";
import { BACKENDS, useInstance, type OwnedStorage, type TestInstance } from "../support/userlink-server.js";

const NO_APP = "00000000-0000-7000-8000-000000000000";

describe.each(BACKENDS)("AdminService reads (%s)", (backend) => {
  let server: TestInstance;
  let storage: OwnedStorage;

  useInstance(backend, (started) => {
    ({ server, storage } = started);
  });

  /** Every page of ListUsers for `prefix`, `pageSize` at a time. */
  async function allUserPages(appId: string, prefix: string, pageSize: number) {
    const pages: string[][] = [];
    let pageToken = "";
    do {
      const page = await server.admin.listUsers({ appId, pageSize, pageToken, externalUserIdPrefix: prefix });
      pages.push(page.users.map((u) => u.externalUserId));
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && pages.length < 20);
    return pages;
  }

  it("lists an app's users oldest first, by external id prefix, page by page, tokens bound to the prefix", async () => {
    const { appId, apiKey } = await createAppWithKey(server);
    const other = await createAppWithKey(server);
    for (const id of ["shop-a-1", "shop-a-2", "shop-a-3", "shop-b-1", "SHOP-a-4", "shop_a"]) {
      await linkDevice(server, apiKey, id);
    }
    await linkDevice(server, other.apiKey, "shop-a-9");

    expect(await allUserPages(appId, "shop-a", 2)).toEqual([["shop-a-1", "shop-a-2"], ["shop-a-3"]]);
    expect(await allUserPages(appId, "shop_", 10)).toEqual([["shop_a"]]);
    expect((await allUserPages(appId, "", 4)).flat()).toEqual([
      "shop-a-1",
      "shop-a-2",
      "shop-a-3",
      "shop-b-1",
      "SHOP-a-4",
      "shop_a",
    ]);
    const listed = await server.admin.listUsers({
      appId,
      pageSize: 1,
      pageToken: "",
      externalUserIdPrefix: "",
    });
    expect(listed.users[0]).toMatchObject({ externalUserId: "shop-a-1", disabled: false, devices: [] });

    const first = await server.admin.listUsers({
      appId,
      pageSize: 1,
      pageToken: "",
      externalUserIdPrefix: "shop-a",
    });
    const badToken = { code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT", fields: ["page_token"] };
    await expectGrpcError(
      server.admin.listUsers({
        appId,
        pageSize: 1,
        pageToken: first.nextPageToken,
        externalUserIdPrefix: "shop-b",
      }),
      badToken,
    );
    await expectGrpcError(
      server.admin.listUsers({
        appId,
        pageSize: 1,
        pageToken: first.nextPageToken,
        externalUserIdPrefix: "",
      }),
      badToken,
    );
    await expectGrpcError(
      server.admin.listUsers({
        appId,
        pageSize: 1,
        pageToken: listed.nextPageToken,
        externalUserIdPrefix: "shop-a",
      }),
      badToken,
    );
    await expectGrpcError(
      server.admin.listUsers({ appId, pageSize: 1, pageToken: "garbage", externalUserIdPrefix: "" }),
      badToken,
    );
    await expectGrpcError(
      server.admin.listUsers({ appId: "nope", pageSize: -1, pageToken: "", externalUserIdPrefix: "a\u0001" }),
      {
        code: Status.INVALID_ARGUMENT,
        reason: "INVALID_ARGUMENT",
        fields: ["app_id", "page_size", "external_user_id_prefix"],
      },
    );
    await expectGrpcError(
      server.admin.listUsers({ appId, pageSize: 1, pageToken: "", externalUserIdPrefix: "x".repeat(257) }),
      { code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT", fields: ["external_user_id_prefix"] },
    );
    await expectGrpcError(
      server.admin.listUsers({ appId: NO_APP, pageSize: 0, pageToken: "", externalUserIdPrefix: "" }),
      { code: Status.NOT_FOUND, reason: "APP_NOT_FOUND" },
    );
  });

  it("gets a user by either id with every device, and no other app's user", async () => {
    const { appId, apiKey } = await createAppWithKey(server);
    const other = await createAppWithKey(server);
    const first = await linkDevice(server, apiKey, "two-phones");
    const second = await linkDevice(server, apiKey, "two-phones");
    for (const user of [
      { $case: "userId" as const, value: first.userId },
      { $case: "externalUserId" as const, value: "two-phones" },
    ]) {
      const found = await server.admin.getUser({ appId, user });
      expect(found.user).toMatchObject({
        userId: first.userId,
        externalUserId: "two-phones",
        disabled: false,
      });
      expect(found.user!.devices.map((d) => [d.deviceId, d.state, d.stateReason])).toEqual([
        [second.deviceId, DeviceState.DEVICE_STATE_ACTIVE, StateReason.STATE_REASON_NEW_DEVICE],
        [
          first.deviceId,
          DeviceState.DEVICE_STATE_DEACTIVATED,
          StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
        ],
      ]);
      expect(found.user!.devices[0]).toMatchObject({
        model: "iPhone15,2",
        appVersion: "1.2.3",
        sdkVersion: "4.5.6",
      });
    }
    const notFound = { code: Status.NOT_FOUND, reason: "USER_NOT_FOUND" };
    await expectGrpcError(
      server.admin.getUser({ appId: other.appId, user: { $case: "userId", value: first.userId } }),
      notFound,
    );
    await expectGrpcError(
      server.admin.getUser({ appId: other.appId, user: { $case: "externalUserId", value: "two-phones" } }),
      notFound,
    );
    await expectGrpcError(
      server.admin.getUser({ appId: NO_APP, user: { $case: "userId", value: first.userId } }),
      {
        code: Status.NOT_FOUND,
        reason: "APP_NOT_FOUND",
      },
    );
    await expectGrpcError(server.admin.getUser({ appId }), {
      code: Status.INVALID_ARGUMENT,
      reason: "INVALID_ARGUMENT",
      fields: ["user"],
    });
    await expectGrpcError(server.admin.getUser({ appId, user: { $case: "userId", value: "x" } }), {
      code: Status.INVALID_ARGUMENT,
      reason: "INVALID_ARGUMENT",
      fields: ["user_id"],
    });
  });

  it("deletes a user as rule 8 does: streams end USER_DELETED, codes die, rows go; never another app's", async () => {
    const { appId, apiKey } = await createAppWithKey(server);
    const other = await createAppWithKey(server);
    const created = await linkDevice(server, apiKey, "erase me");
    const theirs = await linkDevice(server, other.apiKey, "erase me");
    const stream = new StreamRecorder(server.device(created.credentials!.accessToken).watchDeviceStatus({}));
    await stream.nth(1);
    const outstanding = await server.link(apiKey).requestAuthCode({ externalUserId: "erase me" });

    await expectGrpcError(
      server.admin.deleteUser({ appId: other.appId, user: { $case: "userId", value: created.userId } }),
      { code: Status.NOT_FOUND, reason: "USER_NOT_FOUND" },
    );
    await expectGrpcError(
      server.admin.deleteUser({ appId: NO_APP, user: { $case: "userId", value: created.userId } }),
      { code: Status.NOT_FOUND, reason: "APP_NOT_FOUND" },
    );
    const deleted = await server.admin.deleteUser({
      appId,
      user: { $case: "externalUserId", value: "erase me" },
    });
    expect(deleted).toEqual({ userId: created.userId, devicesRemoved: 1 });
    expect(await stream.nth(2)).toMatchObject({
      deviceState: DeviceState.DEVICE_STATE_DEACTIVATED,
      stateReason: StateReason.STATE_REASON_USER_DELETED,
    });
    await stream.end();
    expect(stream.error).toBeUndefined();
    await expectGrpcError(
      server.device().createUser({ ...phone(), authenticationCode: outstanding.authenticationCode }),
      { code: Status.UNAUTHENTICATED, reason: "AUTH_CODE_INVALID" },
    );
    await expectGrpcError(server.admin.getUser({ appId, user: { $case: "userId", value: created.userId } }), {
      code: Status.NOT_FOUND,
      reason: "USER_NOT_FOUND",
    });
    await expectGrpcError(
      server.admin.deleteUser({ appId, user: { $case: "userId", value: created.userId } }),
      { code: Status.NOT_FOUND, reason: "USER_NOT_FOUND" },
    );
    const kept = await server.admin.getUser({
      appId: other.appId,
      user: { $case: "userId", value: theirs.userId },
    });
    expect(kept.user!.devices).toHaveLength(1);

    const { events } = await server.admin.listAuditEvents({ appId, userId: "", pageSize: 1, pageToken: "" });
    expect(events[0]).toMatchObject({
      kind: AuditEventKind.AUDIT_EVENT_KIND_USER_DELETED,
      userId: "",
      deviceId: "",
      actor: { kind: AuditActorKind.AUDIT_ACTOR_KIND_ADMIN, id: adminTokenFingerprint(storage.adminToken) },
      details: { devices_removed: 1, devices_deactivated: 1 },
    });
    if (backend === "real") {
      const rows = await queryDb<{ n: string }>(
        storage,
        `select (select count(*) from users where id = $1) + (select count(*) from devices where user_id = $1)
              + (select count(*) from audit_events where user_id = $1 or device_id = $2) as n`,
        [created.userId, created.deviceId],
      );
      expect(Number(rows[0]!.n)).toBe(0);
    }
  });
});
