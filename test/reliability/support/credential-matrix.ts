import { Status } from "nice-grpc";
import { generateSecret } from "../../../src/domain/secrets.js";
import { ApiKeyScope } from "../../../src/gen/userlink/v1/types.js";
import { phone } from "../../support/flow.js";
import type { Clients, ClientsOf } from "./security-clients.js";

const SCOPE = ApiKeyScope;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The method × credential matrix: the credentials of every kind (made on the instance
 * now), every method with a call that would succeed, and the answer each cell expects.
 */
export async function credentialMatrix(clients: ClientsOf, adminToken: string, previousAdminToken: string) {
  const admin = clients("grpc", adminToken).admin;
  const newKey = async (appId: string, scopes: ApiKeyScope[], expiresAt?: Date) =>
    (await admin.createApiKey({ appId, name: "matrix", scopes, ...(expiresAt && { expiresAt }) })).apiKey;
  const { app } = await admin.createApp({ displayName: "matrix A" });
  const { app: other } = await admin.createApp({ displayName: "matrix B" });
  const appId = app!.appId;
  const all = [SCOPE.API_KEY_SCOPE_USER_LINK, SCOPE.API_KEY_SCOPE_USER_READ, SCOPE.API_KEY_SCOPE_USER_DELETE];
  const ownKey = await newKey(appId, all);
  const linkOnly = await newKey(appId, [SCOPE.API_KEY_SCOPE_USER_LINK]);
  const readOnly = await newKey(appId, [SCOPE.API_KEY_SCOPE_USER_READ]);
  const revoked = await newKey(appId, all);
  await admin.revokeApiKey({ keyId: revoked.split(".")[0]! });
  const expired = await newKey(appId, all, new Date(Date.now() + 1_200));
  const otherKey = await newKey(other!.appId, all);
  const link = clients("grpc", ownKey).link;
  const redeem = async (externalUserId: string) => {
    const { authenticationCode } = await link.requestAuthCode({ externalUserId });
    return clients("grpc", null).device.createUser({ ...phone(), authenticationCode });
  };
  const user = await redeem("matrix-user");
  const deviceToken = user.credentials!.accessToken;
  const replaced = await redeem("matrix-replaced");
  await redeem("matrix-replaced"); // a newer phone deactivates the first
  await sleep(1_300); // the short-lived key is now expired

  const kinds: Record<string, string | null> = {
    none: null,
    garbage: "garbage-token-!!",
    "expired key": expired,
    "revoked key": revoked,
    "wrong scope": "WRONG_SCOPE",
    "other app's key": otherKey,
    "device token": deviceToken,
    "deactivated device token": replaced.credentials!.accessToken,
    "admin token": adminToken,
    "previous admin token": previousAdminToken,
    "own key": ownKey,
  };
  type Cell = { code: Status; reason: string } | "OK";
  const deny = (code: Status, reason: string): Cell => ({ code, reason });
  const apiKeyRefusal = (kind: string, method: string): Cell => {
    if (kind === "expired key") return deny(Status.UNAUTHENTICATED, "API_KEY_EXPIRED");
    if (kind === "revoked key") return deny(Status.UNAUTHENTICATED, "API_KEY_REVOKED");
    if (kind === "wrong scope") return deny(Status.PERMISSION_DENIED, "SCOPE_MISSING");
    if (kind === "own key") return "OK";
    if (kind === "other app's key") {
      // A key of app B is a valid key, for app B only: A's user does not exist there.
      return method === "RequestAuthCode" || method === "ListUsers"
        ? "OK"
        : deny(Status.NOT_FOUND, "USER_NOT_FOUND");
    }
    return deny(Status.UNAUTHENTICATED, "API_KEY_INVALID");
  };
  const deviceRefusal = (kind: string): Cell =>
    kind === "device token"
      ? "OK"
      : kind === "deactivated device token"
        ? deny(Status.UNAUTHENTICATED, "DEVICE_DEACTIVATED")
        : deny(Status.UNAUTHENTICATED, "DEVICE_TOKEN_INVALID");
  const adminRefusal = (kind: string): Cell =>
    kind === "admin token" || kind === "previous admin token"
      ? "OK"
      : deny(Status.UNAUTHENTICATED, "ADMIN_TOKEN_INVALID");

  let victims = 0;
  const freshApp = async () => (await admin.createApp({ displayName: "keys" })).app!.appId;
  const byUserId = { user: { $case: "userId" as const, value: user.userId } };
  // Each method with the scope it needs (for the wrong-scope key) and a request that would succeed.
  const methods: {
    name: string;
    service: "link" | "device" | "admin";
    wrong?: string;
    run: (c: Clients) => Promise<unknown>;
  }[] = [
    {
      name: "RequestAuthCode",
      service: "link",
      wrong: readOnly,
      run: (c) => c.link.requestAuthCode({ externalUserId: "matrix-user" }),
    },
    { name: "GetUser", service: "link", wrong: linkOnly, run: (c) => c.link.getUser(byUserId) },
    {
      name: "ListUsers",
      service: "link",
      wrong: linkOnly,
      run: async (c) => {
        const listed = await c.link.listUsers({ pageSize: 1000, pageToken: "" });
        // Tenancy: whoever asks, only their own app's users come back.
        return listed.users.some((u) => u.userId === user.userId) ? "mine" : "none of mine";
      },
    },
    {
      name: "DeleteUser",
      service: "link",
      wrong: linkOnly,
      // A user of app A of its own each time: the own key's cell does delete it.
      run: async (c) =>
        c.link.deleteUser({
          user: { $case: "userId", value: (await redeem(`victim-${victims++}`)).userId },
        }),
    },
    {
      name: "CreateUser (unknown code)",
      service: "device",
      run: (c) => c.device.createUser({ ...phone(), authenticationCode: generateSecret() }),
    },
    {
      name: "RefreshCredentials (unknown token)",
      service: "device",
      run: (c) => c.device.refreshCredentials({ refreshToken: generateSecret() }),
    },
    { name: "GetDeviceStatus", service: "device", run: (c) => c.device.getDeviceStatus({}) },
    {
      name: "WatchDeviceStatus",
      service: "device",
      run: async (c) => {
        for await (const first of c.device.watchDeviceStatus({})) return first;
      },
    },
    { name: "CreateApp", service: "admin", run: (c) => c.admin.createApp({ displayName: "matrix" }) },
    { name: "GetApp", service: "admin", run: (c) => c.admin.getApp({ appId }) },
    { name: "ListApps", service: "admin", run: (c) => c.admin.listApps({ pageSize: 1, pageToken: "" }) },
    {
      name: "UpdateApp",
      service: "admin",
      run: (c) => c.admin.updateApp({ appId, displayName: "matrix A" }),
    },
    {
      name: "CreateApiKey",
      service: "admin",
      run: async (c) =>
        c.admin.createApiKey({
          appId: (await admin.createApp({ displayName: "k" })).app!.appId,
          name: "m",
          scopes: [1],
        }),
    },
    {
      name: "ListApiKeys",
      service: "admin",
      run: (c) => c.admin.listApiKeys({ appId, pageSize: 1, pageToken: "" }),
    },
    {
      name: "RevokeApiKey",
      service: "admin",
      run: async (c) => c.admin.revokeApiKey({ keyId: (await newKey(await freshApp(), [1])).split(".")[0]! }),
    },
    {
      name: "RotateApiKey",
      service: "admin",
      run: async (c) => c.admin.rotateApiKey({ keyId: (await newKey(await freshApp(), [1])).split(".")[0]! }),
    },
    {
      name: "SetUserDisabled",
      service: "admin",
      run: (c) => c.admin.setUserDisabled({ appId, userId: user.userId, disabled: false }),
    },
    {
      name: "ListUsers (admin)",
      service: "admin",
      run: (c) => c.admin.listUsers({ appId, pageSize: 1, pageToken: "", externalUserIdPrefix: "matrix" }),
    },
    { name: "GetUser (admin)", service: "admin", run: (c) => c.admin.getUser({ appId, ...byUserId }) },
    {
      name: "DeleteUser (admin)",
      service: "admin",
      // As for LinkService's: a victim of its own each time, deleted by the admin cells.
      run: async (c) =>
        c.admin.deleteUser({
          appId,
          user: { $case: "userId", value: (await redeem(`victim-${victims++}`)).userId },
        }),
    },
    {
      name: "ListAuditEvents",
      service: "admin",
      run: (c) => c.admin.listAuditEvents({ appId, userId: user.userId, pageSize: 5, pageToken: "" }),
    },
    { name: "ResetDevice", service: "device", run: (c) => c.device.resetDevice({}) },
  ];
  const expected = (method: (typeof methods)[number], kind: string): Cell => {
    if (method.name.startsWith("CreateUser")) return deny(Status.UNAUTHENTICATED, "AUTH_CODE_INVALID");
    if (method.name.startsWith("RefreshCredentials"))
      return deny(Status.UNAUTHENTICATED, "DEVICE_TOKEN_INVALID");
    if (method.service === "link") return apiKeyRefusal(kind, method.name);
    if (method.service === "device") return deviceRefusal(kind);
    return adminRefusal(kind);
  };
  return { kinds, methods, expected, linkOnly, redeem };
}
