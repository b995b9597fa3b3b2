import { Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { createAppWithKey, expectGrpcError } from "../support/flow.js";
import { useInstance, type TestInstance } from "../support/userlink-server.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Issue 15 item 5: errors about API keys say what is wrong with the key. */
describe("API key errors say what is wrong (embedded)", () => {
  let server: TestInstance;

  useInstance("embedded", (started) => {
    ({ server } = started);
  });

  it("tells a wrong secret from a malformed, unknown or missing key, all API_KEY_INVALID", async () => {
    const { apiKey, keyId } = await createAppWithKey(server);
    const wrongSecret = `${keyId}.${"x".repeat(43)}`;
    const cases: [string, RegExp][] = [
      [wrongSecret, /secret is wrong/],
      [`${newUnknownId()}.${apiKey.split(".")[1]}`, /unknown API key/],
      ["garbage", /malformed API key/],
      [`${keyId}.short`, /malformed API key/],
    ];
    for (const [bearer, message] of cases) {
      const error = await expectGrpcError(server.link(bearer).requestAuthCode({ externalUserId: "a" }), {
        code: Status.UNAUTHENTICATED,
        reason: "API_KEY_INVALID",
      });
      expect(error.details).toMatch(message);
      expect(error.details).not.toContain(bearer.split(".")[1] ?? bearer);
    }
    // The genuine key still works: wrong guesses did not lock it.
    await expect(server.link(apiKey).requestAuthCode({ externalUserId: "a" })).resolves.toBeDefined();
  });

  it("refuses to rotate a rotated, revoked or expired key with FAILED_PRECONDITION", async () => {
    const { keyId, appId } = await createAppWithKey(server);
    const rotated = await server.admin.rotateApiKey({ keyId });
    const error = await expectGrpcError(server.admin.rotateApiKey({ keyId }), {
      code: Status.FAILED_PRECONDITION,
      reason: "API_KEY_ALREADY_ROTATED",
      metadata: { replaced_by_key_id: rotated.key!.keyId },
    });
    expect(error.details).toMatch(/already rotated/);
    // Still so once its grace period is over (the key has expired by then as well).
    const instant = await server.admin.rotateApiKey({
      keyId: rotated.key!.keyId,
      gracePeriod: { seconds: "0", nanos: 0 },
    });
    await expectGrpcError(server.admin.rotateApiKey({ keyId: rotated.key!.keyId }), {
      code: Status.FAILED_PRECONDITION,
      reason: "API_KEY_ALREADY_ROTATED",
      metadata: { replaced_by_key_id: instant.key!.keyId },
    });

    await server.admin.revokeApiKey({ keyId: instant.key!.keyId });
    await expectGrpcError(server.admin.rotateApiKey({ keyId: instant.key!.keyId }), {
      code: Status.FAILED_PRECONDITION,
      reason: "API_KEY_NOT_ROTATABLE",
      metadata: { key_state: "REVOKED" },
    });

    const shortLived = await server.admin.createApiKey({
      appId,
      name: "short",
      scopes: [1],
      expiresAt: new Date(Date.now() + 1_500),
    });
    await sleep(1_600);
    await expectGrpcError(server.admin.rotateApiKey({ keyId: shortLived.key!.keyId }), {
      code: Status.FAILED_PRECONDITION,
      reason: "API_KEY_NOT_ROTATABLE",
      metadata: { key_state: "EXPIRED" },
    });
  });
});

function newUnknownId(): string {
  return "00000000-0000-7000-8000-000000000000";
}
