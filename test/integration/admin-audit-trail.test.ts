import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import {
  AuditActorKind,
  AuditEventKind,
  DeviceState,
  StateReason,
  type AuditEvent,
} from "../../src/gen/userlink/v1/types.js";
import { adminTokenFingerprint } from "../../src/services/admin-authenticator.js";
import { createAppWithKey, expectGrpcError, linkDevice, phone } from "../support/flow.js";
import { BACKENDS, useInstance, type OwnedStorage, type TestInstance } from "../support/userlink-server.js";

const NO_APP = "00000000-0000-7000-8000-000000000000";

// The audit trail of AdminService's reads; users and their deletion are in admin-reads.test.ts.
describe.each(BACKENDS)("AdminService reads (%s)", (backend) => {
  let server: TestInstance;
  let storage: OwnedStorage;

  useInstance(backend, (started) => {
    ({ server, storage } = started);
  });

  it("lists the audit trail newest first with actors of every kind and no secret, per app and per user", async () => {
    const { appId, apiKey, keyId } = await createAppWithKey(server);
    const secrets: string[] = [apiKey, apiKey.split(".")[1]!, storage.adminToken];
    const code1 = await server.link(apiKey).requestAuthCode({ externalUserId: "audited" });
    const first = await server
      .device()
      .createUser({ ...phone(), authenticationCode: code1.authenticationCode });
    const code2 = await server.link(apiKey).requestAuthCode({ externalUserId: "audited" });
    const second = await server
      .device()
      .createUser({ ...phone(), authenticationCode: code2.authenticationCode });
    const refreshed = await server
      .device()
      .refreshCredentials({ refreshToken: second.credentials!.refreshToken, requestId: "" });
    secrets.push(code1.authenticationCode, code2.authenticationCode);
    for (const c of [first.credentials!, second.credentials!, refreshed.credentials!]) {
      secrets.push(c.accessToken, c.refreshToken);
    }
    await server.admin.setUserDisabled({ appId, userId: first.userId, disabled: true });
    const bystander = await linkDevice(server, apiKey, "deleted by key");
    await server.link(apiKey).deleteUser({ user: { $case: "userId", value: bystander.userId } });

    const events: AuditEvent[] = [];
    let pageToken = "";
    do {
      const page = await server.admin.listAuditEvents({ appId, userId: "", pageSize: 3, pageToken });
      expect(page.events.length).toBeLessThanOrEqual(3);
      events.push(...page.events);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    const admin = {
      kind: AuditActorKind.AUDIT_ACTOR_KIND_ADMIN,
      id: adminTokenFingerprint(storage.adminToken),
    };
    const byKey = { kind: AuditActorKind.AUDIT_ACTOR_KIND_API_KEY, id: keyId };
    const device = (id: string) => ({ kind: AuditActorKind.AUDIT_ACTOR_KIND_DEVICE, id });
    const K = AuditEventKind;
    const oldestFirst = [...events].reverse().map((e) => [e.kind, e.actor, e.deviceState, e.stateReason]);
    expect(oldestFirst).toEqual([
      [K.AUDIT_EVENT_KIND_APP_CREATED, admin, 0, 0],
      [K.AUDIT_EVENT_KIND_API_KEY_CREATED, admin, 0, 0],
      [K.AUDIT_EVENT_KIND_USER_CREATED, device(first.deviceId), 0, 0],
      [
        K.AUDIT_EVENT_KIND_DEVICE_STATE_CHANGED,
        device(first.deviceId),
        DeviceState.DEVICE_STATE_ACTIVE,
        StateReason.STATE_REASON_NEW_DEVICE,
      ],
      [K.AUDIT_EVENT_KIND_USER_RESTORED, device(second.deviceId), 0, 0],
      [
        K.AUDIT_EVENT_KIND_DEVICE_STATE_CHANGED,
        device(second.deviceId),
        DeviceState.DEVICE_STATE_DEACTIVATED,
        StateReason.STATE_REASON_REPLACED_BY_NEWER_DEVICE,
      ],
      [
        K.AUDIT_EVENT_KIND_DEVICE_STATE_CHANGED,
        device(second.deviceId),
        DeviceState.DEVICE_STATE_ACTIVE,
        StateReason.STATE_REASON_NEW_DEVICE,
      ],
      [K.AUDIT_EVENT_KIND_DEVICE_CREDENTIALS_REFRESHED, device(second.deviceId), 0, 0],
      [K.AUDIT_EVENT_KIND_USER_DISABLED, admin, 0, StateReason.STATE_REASON_USER_DISABLED],
      [
        K.AUDIT_EVENT_KIND_DEVICE_STATE_CHANGED,
        admin,
        DeviceState.DEVICE_STATE_DEACTIVATED,
        StateReason.STATE_REASON_USER_DISABLED,
      ],
      [K.AUDIT_EVENT_KIND_USER_DELETED, byKey, 0, StateReason.STATE_REASON_USER_DELETED],
    ]);
    // The replaced phone's event names the phone, though the new one caused it.
    expect(events[5]!.deviceId).toBe(first.deviceId);
    expect(events.map((e) => e.eventId)).toEqual(
      events
        .map((e) => e.eventId)
        .sort()
        .reverse(),
    );
    const times = events.map((e) => e.occurredAt!.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const text = JSON.stringify(events);
    for (const secret of secrets) expect(text).not.toContain(secret);

    const mine = await server.admin.listAuditEvents({
      appId,
      userId: first.userId,
      pageSize: 2,
      pageToken: "",
    });
    expect(mine.events.map((e) => e.kind)).toEqual([
      K.AUDIT_EVENT_KIND_DEVICE_STATE_CHANGED,
      K.AUDIT_EVENT_KIND_USER_DISABLED,
    ]);
    expect(mine.events.every((e) => e.userId === first.userId)).toBe(true);
    const rest = await server.admin.listAuditEvents({
      appId,
      userId: first.userId,
      pageSize: 100,
      pageToken: mine.nextPageToken,
    });
    expect(rest.events).toHaveLength(6);
    expect(rest.nextPageToken).toBe("");
    const badToken = { code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT", fields: ["page_token"] };
    await expectGrpcError(
      server.admin.listAuditEvents({ appId, userId: "", pageSize: 2, pageToken: mine.nextPageToken }),
      badToken,
    );

    const other = await createAppWithKey(server);
    for (const [app, userId] of [
      [other.appId, first.userId],
      [appId, bystander.userId],
    ] as const) {
      await expectGrpcError(
        server.admin.listAuditEvents({ appId: app, userId, pageSize: 0, pageToken: "" }),
        {
          code: Status.NOT_FOUND,
          reason: "USER_NOT_FOUND",
        },
      );
    }
    await expectGrpcError(
      server.admin.listAuditEvents({ appId: NO_APP, userId: "", pageSize: 0, pageToken: "" }),
      {
        code: Status.NOT_FOUND,
        reason: "APP_NOT_FOUND",
      },
    );
    await expectGrpcError(
      server.admin.listAuditEvents({ appId: "x", userId: "y", pageSize: 5000, pageToken: "" }),
      {
        code: Status.INVALID_ARGUMENT,
        reason: "INVALID_ARGUMENT",
        fields: ["app_id", "user_id", "page_size"],
      },
    );
  });
});
