import { randomBytes } from "node:crypto";
import { createChannel, createClientFactory, Metadata, Status, type Channel } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { AuditActorKind, AuditEventKind } from "../../src/gen/userlink/v1/types.js";
import { adminTokenFingerprint } from "../../src/services/admin-authenticator.js";
import { expectGrpcError } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";

/**
 * Rotating the admin token without downtime: an instance configured with the new
 * token and USERLINK_ADMIN_TOKEN_PREVIOUS accepts both, the trail says which one made
 * each change, and once the old one is dropped from the configuration it is refused.
 */
describe("admin token rotation (real)", () => {
  let storage: OwnedStorage;
  const instances: TestInstance[] = [];
  const channels: Channel[] = [];
  const newToken = `new-admin-${randomBytes(24).toString("base64url")}`;

  beforeAll(async () => {
    storage = await createStorage("real");
  });
  afterAll(async () => {
    for (const channel of channels) channel.close();
    for (const instance of instances) await instance.stop().catch(() => undefined);
    await storage?.destroy();
  });

  function adminWith(instance: TestInstance, token: string) {
    const channel = createChannel(instance.address);
    channels.push(channel);
    const metadata = Metadata({ authorization: `Bearer ${token}` });
    return createClientFactory()
      .use(errorDetailsClientMiddleware)
      .create(AdminServiceDefinition, channel, { "*": { metadata } });
  }

  async function start(env: Record<string, string>): Promise<TestInstance> {
    const instance = await startInstance(storage, env);
    instances.push(instance);
    return instance;
  }

  it("accepts both tokens during the rotation, records which, and refuses the old one after", async () => {
    const oldToken = storage.adminToken;
    const during = await start({ USERLINK_ADMIN_TOKEN: newToken, USERLINK_ADMIN_TOKEN_PREVIOUS: oldToken });
    const byOld = adminWith(during, oldToken);
    const byNew = adminWith(during, newToken);
    const { app } = await byOld.createApp({ displayName: "made with the old token" });
    await byNew.updateApp({ appId: app!.appId, displayName: "renamed with the new token" });
    await expectGrpcError(adminWith(during, `${newToken}x`).getApp({ appId: app!.appId }), {
      code: Status.UNAUTHENTICATED,
      reason: "ADMIN_TOKEN_INVALID",
    });

    const { events } = await byNew.listAuditEvents({
      appId: app!.appId,
      userId: "",
      pageSize: 10,
      pageToken: "",
    });
    expect(events.map((e) => [e.kind, e.actor])).toEqual([
      [
        AuditEventKind.AUDIT_EVENT_KIND_APP_UPDATED,
        { kind: AuditActorKind.AUDIT_ACTOR_KIND_ADMIN, id: adminTokenFingerprint(newToken) },
      ],
      [
        AuditEventKind.AUDIT_EVENT_KIND_APP_CREATED,
        { kind: AuditActorKind.AUDIT_ACTOR_KIND_ADMIN, id: adminTokenFingerprint(oldToken) },
      ],
    ]);
    expect(adminTokenFingerprint(newToken)).toMatch(/^[0-9a-f]{16}$/);
    expect(adminTokenFingerprint(newToken)).not.toBe(adminTokenFingerprint(oldToken));
    // Only the fingerprint is kept: neither token, nor anything longer of its hash.
    const rows = await queryDb<{ row: string }>(
      storage,
      "select row_to_json(a)::text as row from audit_events a",
    );
    const stored = rows.map((r) => r.row).join("\n");
    for (const token of [oldToken, newToken]) expect(stored).not.toContain(token);

    await during.stop();
    instances.pop();
    const after = await start({ USERLINK_ADMIN_TOKEN: newToken });
    await expectGrpcError(adminWith(after, oldToken).getApp({ appId: app!.appId }), {
      code: Status.UNAUTHENTICATED,
      reason: "ADMIN_TOKEN_INVALID",
    });
    expect((await adminWith(after, newToken).getApp({ appId: app!.appId })).app!.displayName).toBe(
      "renamed with the new token",
    );
  });
});
