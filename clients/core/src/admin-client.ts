import { AdminServiceDefinition } from "../../../src/gen/userlink/v1/admin_service.js";
import { bearer, unary } from "./bind.js";
import type { Caller, Unary } from "./caller.js";

type Admin = typeof AdminServiceDefinition;

/**
 * `userlink.v1.AdminService`, for internal services and operators. The admin token
 * opens every app: keep it out of pages that others load. The reads and the calls
 * whose repetition changes nothing are idempotent in the proto (the Node client
 * retries them on UNAVAILABLE); those that create something or bump a version are not.
 */
export interface AdminClient {
  /** A new app with its SDK configuration. Not retried (a retry could make a second app). */
  createApp: Unary<Admin, "createApp">;
  getApp: Unary<Admin, "getApp">;
  listApps: Unary<Admin, "listApps">;
  /** Changes the fields that are set; a new sdkConfig bumps configVersion. Not retried. */
  updateApp: Unary<Admin, "updateApp">;
  /** A new key; the plaintext `apiKey` is in this response only. Not retried. */
  createApiKey: Unary<Admin, "createApiKey">;
  listApiKeys: Unary<Admin, "listApiKeys">;
  /** Revokes a key; revoking a revoked key returns it as it is. Idempotent. */
  revokeApiKey: Unary<Admin, "revokeApiKey">;
  /** A new key replacing this one after a grace period. Not retried. */
  rotateApiKey: Unary<Admin, "rotateApiKey">;
  /** Disables or enables a user. Idempotent. */
  setUserDisabled: Unary<Admin, "setUserDisabled">;
  /** One page of an app's users, optionally those whose external id starts with a prefix. */
  listUsers: Unary<Admin, "listUsers">;
  /** A user of an app by user id or external id, with every device. */
  getUser: Unary<Admin, "getUser">;
  /** Deletes a user of an app and deactivates its devices. Idempotent (a retry finds NOT_FOUND). */
  deleteUser: Unary<Admin, "deleteUser">;
  /** One page of an app's audit trail (or one user's), newest first. */
  listAuditEvents: Unary<Admin, "listAuditEvents">;
  /** Ends the calls in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

export function bindAdminClient(caller: Caller, adminToken: string): AdminClient {
  const auth = bearer(adminToken);
  const method = <K extends keyof Admin["methods"] & string>(key: K) =>
    unary(caller, AdminServiceDefinition, key, () => auth);
  return {
    createApp: method("createApp"),
    getApp: method("getApp"),
    listApps: method("listApps"),
    updateApp: method("updateApp"),
    createApiKey: method("createApiKey"),
    listApiKeys: method("listApiKeys"),
    revokeApiKey: method("revokeApiKey"),
    rotateApiKey: method("rotateApiKey"),
    setUserDisabled: method("setUserDisabled"),
    listUsers: method("listUsers"),
    getUser: method("getUser"),
    deleteUser: method("deleteUser"),
    listAuditEvents: method("listAuditEvents"),
    close: () => caller.close(),
  };
}
