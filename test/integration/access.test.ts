import { createClient, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { describe, expect, it } from "vitest";
import { ApiKeyScope } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, linkDevice } from "../support/flow.js";
import { BACKENDS, useInstance, type TestInstance } from "../support/userlink-server.js";

describe.each(BACKENDS)("API keys, scopes and tenancy (%s)", (backend) => {
  let server: TestInstance;

  useInstance(backend, (started) => {
    ({ server } = started);
  });

  it("refuses a missing, malformed or unknown key with API_KEY_INVALID", async () => {
    const { keyId } = await createAppWithKey(server);
    for (const apiKey of [
      "",
      "garbage",
      `${keyId}.${"x".repeat(43)}`,
      `00000000-0000-7000-8000-000000000000.${"x".repeat(43)}`,
    ]) {
      await expectGrpcError(server.link(apiKey).requestAuthCode({ externalUserId: "a" }), {
        code: Status.UNAUTHENTICATED,
        reason: "API_KEY_INVALID",
      });
    }
    const bare = createClient(LinkServiceDefinition, server.raw());
    await expect(bare.requestAuthCode({ externalUserId: "a" })).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
    });
  });

  it("checks each method's scope", async () => {
    const { apiKey: linkOnly } = await createAppWithKey(server, [ApiKeyScope.API_KEY_SCOPE_USER_LINK]);
    const { apiKey: readOnly } = await createAppWithKey(server, [ApiKeyScope.API_KEY_SCOPE_USER_READ]);
    const missing = { code: Status.PERMISSION_DENIED, reason: "SCOPE_MISSING" };
    await linkDevice(server, linkOnly, "scoped");
    await expectGrpcError(
      server.link(linkOnly).getUser({ user: { $case: "externalUserId", value: "scoped" } }),
      missing,
    );
    await expectGrpcError(server.link(linkOnly).listUsers({ pageSize: 10, pageToken: "" }), missing);
    await expectGrpcError(
      server.link(linkOnly).deleteUser({ user: { $case: "externalUserId", value: "scoped" } }),
      missing,
    );
    await expectGrpcError(server.link(readOnly).requestAuthCode({ externalUserId: "x" }), missing);
    await expectGrpcError(
      server.link(readOnly).deleteUser({ user: { $case: "externalUserId", value: "x" } }),
      missing,
    );
  });

  it("keeps each app's users to itself", async () => {
    const a = await createAppWithKey(server);
    const b = await createAppWithKey(server);
    const inA = await linkDevice(server, a.apiKey, "shared-external-id");
    const inB = await linkDevice(server, b.apiKey, "shared-external-id");
    expect(inB.userId).not.toBe(inA.userId);
    expect(inB.restored).toBe(false);

    const notFound = { code: Status.NOT_FOUND, reason: "USER_NOT_FOUND" };
    await expectGrpcError(
      server.link(b.apiKey).getUser({ user: { $case: "userId", value: inA.userId } }),
      notFound,
    );
    await expectGrpcError(
      server.link(b.apiKey).deleteUser({ user: { $case: "userId", value: inA.userId } }),
      notFound,
    );
    const listed = await server.link(b.apiKey).listUsers({ pageSize: 1000, pageToken: "" });
    expect(listed.users.map((u) => u.userId)).toEqual([inB.userId]);
    // Still there for its own app.
    const { user } = await server.link(a.apiKey).getUser({ user: { $case: "userId", value: inA.userId } });
    expect(user!.userId).toBe(inA.userId);
  });

  it("refuses revoked and expired keys, and keeps a rotated key working through its grace", async () => {
    const { appId, apiKey, keyId } = await createAppWithKey(server);
    const rotated = await server.admin.rotateApiKey({ keyId, gracePeriod: { seconds: "3600", nanos: 0 } });
    await server.link(apiKey).requestAuthCode({ externalUserId: "grace" });
    await server.link(rotated.apiKey).requestAuthCode({ externalUserId: "grace" });

    await server.admin.revokeApiKey({ keyId: rotated.key!.keyId });
    await expectGrpcError(server.link(rotated.apiKey).requestAuthCode({ externalUserId: "a" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_REVOKED",
    });

    const soon = await server.admin.createApiKey({
      appId,
      name: "short-lived",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK],
      expiresAt: new Date(Date.now() + 1_500),
    });
    await server.link(soon.apiKey).requestAuthCode({ externalUserId: "a" });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await expectGrpcError(server.link(soon.apiKey).requestAuthCode({ externalUserId: "a" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_EXPIRED",
    });
  });

  it("holds at most 10 active keys per app", async () => {
    const { appId } = await createAppWithKey(server);
    for (let i = 1; i < 10; i++) {
      await server.admin.createApiKey({
        appId,
        name: `k${i}`,
        scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK],
      });
    }
    const over = server.admin.createApiKey({
      appId,
      name: "k11",
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK],
    });
    await expectGrpcError(over, { code: Status.FAILED_PRECONDITION, reason: "API_KEY_LIMIT_REACHED" });
    const { keys } = await server.admin.listApiKeys({ appId, pageSize: 100, pageToken: "" });
    expect(keys).toHaveLength(10);
  });

  it("refuses AdminService calls without the admin token", async () => {
    const wrong = createClientFactory()
      .use(errorDetailsClientMiddleware)
      .create(AdminServiceDefinition, server.raw(), {
        "*": { metadata: Metadata({ authorization: "Bearer not-the-admin-token-at-all-nope-nope" }) },
      });
    await expectGrpcError(wrong.listApps({ pageSize: 1, pageToken: "" }), {
      code: Status.UNAUTHENTICATED,
      reason: "ADMIN_TOKEN_INVALID",
    });
    const { apiKey } = await createAppWithKey(server);
    const withApiKey = createClient(AdminServiceDefinition, server.raw(), {
      "*": { metadata: Metadata({ authorization: `Bearer ${apiKey}` }) },
    });
    await expect(withApiKey.listApps({ pageSize: 1, pageToken: "" })).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
    });
  });
});
