import fc from "fast-check";
import { Timestamp } from "../../../src/gen/google/protobuf/timestamp.js";
import { CreateApiKeyRequest } from "../../../src/gen/userlink/v1/admin_service.js";
import type { TestInstance } from "../../support/userlink-server.js";
import { bearerText, duration, int32, int64, jsonObject, text } from "./fuzz-arbitraries.js";
import type { RawGrpc } from "./raw-calls.js";

/** Runs one property over a method; the bad-input test counts and judges each outcome. */
export type PropertyRunner = <T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  call: (value: T) => Promise<unknown>,
) => Promise<unknown>;

/** A raw call's answer, already named `STATUS/REASON`. */
export class RawOutcome extends Error {
  constructor(readonly outcome: string) {
    super(outcome);
  }
}

/** Generated values in every field of every request, one property per method, in order. */
export async function runFieldProperties(
  server: TestInstance,
  keys: { apiKey: string; appId: string; adminToken: string },
  raw: RawGrpc,
  property: PropertyRunner,
): Promise<void> {
  const { apiKey, appId, adminToken } = keys;
  const link = server.link(apiKey);
  const admin = server.admin;
  await property("RequestAuthCode", text, (externalUserId) => link.requestAuthCode({ externalUserId }));
  const selector = fc.option(
    fc.oneof(
      text.map((value) => ({ $case: "externalUserId" as const, value })),
      text.map((value) => ({ $case: "userId" as const, value })),
    ),
    { nil: undefined },
  );
  await property("GetUser", selector, (user) => link.getUser({ user }));
  await property("ListUsers", fc.record({ pageSize: int32, pageToken: text }), (r) => link.listUsers(r));
  await property("DeleteUser", selector, (user) => link.deleteUser({ user }));
  const createUser = fc.record({
    authenticationCode: text,
    requestId: text,
    app: fc.option(fc.record({ appVersion: text, sdkVersion: text }), { nil: undefined }),
    device: fc.option(fc.record({ platform: int32, deviceType: int32, model: text, osVersion: text }), {
      nil: undefined,
    }),
  });
  await property("CreateUser", createUser, (r) => server.device().createUser(r));
  // The same, with a real code each time: the fields are then checked before the code is spent.
  await property("CreateUser with a real code", createUser, async (r) => {
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "fuzzed-redeemer" });
    return server.device().createUser({ ...r, authenticationCode });
  });
  await property("RefreshCredentials", text, (refreshToken) =>
    server.device().refreshCredentials({ refreshToken }),
  );
  const bearer = fc.option(bearerText, { nil: undefined });
  await property("GetDeviceStatus (bearer)", bearer, (token) => server.device(token).getDeviceStatus({}));
  await property("ResetDevice (bearer)", bearer, (token) => server.device(token).resetDevice({}));
  await property("WatchDeviceStatus (bearer)", bearer, async (token) => {
    for await (const _ of server.device(token).watchDeviceStatus({})) break;
  });
  const createApp = fc.record({ displayName: text, sdkConfig: jsonObject, authCodeTtl: duration });
  await property("CreateApp", createApp, (r) => admin.createApp(r));
  await property("GetApp", text, (id) => admin.getApp({ appId: id }));
  await property("ListApps", fc.record({ pageSize: int32, pageToken: text }), (r) => admin.listApps(r));
  await property(
    "UpdateApp",
    fc.record({
      appId: fc.oneof(text, fc.constant(appId)),
      displayName: fc.option(text, { nil: undefined }),
      sdkConfig: jsonObject,
      authCodeTtl: duration,
    }),
    (r) => admin.updateApp(r),
  );
  await property(
    "CreateApiKey (timestamps raw)",
    fc.record({
      appId: fc.oneof(text, fc.constant(appId)),
      name: text,
      scopes: fc.array(int32, { maxLength: 6 }),
      expiresAt: fc.option(fc.record({ seconds: int64, nanos: int32 }), { nil: undefined }),
    }),
    async ({ expiresAt, ...rest }) => {
      // Timestamps go raw: ts-proto's Date cannot carry seconds outside its range.
      const writer = CreateApiKeyRequest.encode(CreateApiKeyRequest.fromPartial(rest));
      if (expiresAt) Timestamp.encode(expiresAt, writer.uint32(34).fork()).join();
      const outcome = await raw.outcome(
        "/userlink.v1.AdminService/CreateApiKey",
        Buffer.from(writer.finish()),
        {
          authorization: `Bearer ${adminToken}`,
        },
      );
      if (outcome !== "OK") throw new RawOutcome(outcome);
    },
  );
  await property(
    "ListApiKeys",
    fc.record({ appId: fc.oneof(text, fc.constant(appId)), pageSize: int32, pageToken: text }),
    (r) => admin.listApiKeys(r),
  );
  await property("RevokeApiKey", text, (keyId) => admin.revokeApiKey({ keyId }));
  await property("RotateApiKey", fc.record({ keyId: text, gracePeriod: duration }), (r) =>
    admin.rotateApiKey(r),
  );
  await property(
    "SetUserDisabled",
    fc.record({ appId: fc.oneof(text, fc.constant(appId)), userId: text, disabled: fc.boolean() }),
    (r) => admin.setUserDisabled(r),
  );
  // The admin reads (issue 14), with the real app among the generated ids.
  const someApp = fc.oneof(text, fc.constant(appId));
  await property(
    "ListUsers (admin)",
    fc.record({ appId: someApp, pageSize: int32, pageToken: text, externalUserIdPrefix: text }),
    (r) => admin.listUsers(r),
  );
  await property("GetUser (admin)", fc.record({ appId: someApp, user: selector }), (r) => admin.getUser(r));
  await property("DeleteUser (admin)", fc.record({ appId: someApp, user: selector }), (r) =>
    admin.deleteUser(r),
  );
  await property(
    "ListAuditEvents",
    fc.record({ appId: someApp, userId: text, pageSize: int32, pageToken: text }),
    (r) => admin.listAuditEvents(r),
  );
  // Tokens that look right but are not: the bearer path past the format check.
  await property(
    "GetDeviceStatus (well-formed token)",
    fc.string({ unit: fc.constantFrom(..."abcdefgh-_"), minLength: 43, maxLength: 43 }),
    (t) => server.device(t).getDeviceStatus({}),
  );
}
