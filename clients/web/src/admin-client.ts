import type { CallOptions, ClientOptions } from "./client-options.js";
import { bearer, Connection } from "./connection.js";
import {
  AdminServiceDefinition,
  type AdminServiceDeleteUserRequest,
  type AdminServiceDeleteUserResponse,
  type AdminServiceGetUserRequest,
  type AdminServiceGetUserResponse,
  type AdminServiceListUsersRequest,
  type AdminServiceListUsersResponse,
  type ListAuditEventsRequest,
  type ListAuditEventsResponse,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
  type CreateAppRequest,
  type CreateAppResponse,
  type DeepPartial,
  type GetAppRequest,
  type GetAppResponse,
  type ListApiKeysRequest,
  type ListApiKeysResponse,
  type ListAppsRequest,
  type ListAppsResponse,
  type RevokeApiKeyRequest,
  type RevokeApiKeyResponse,
  type RotateApiKeyRequest,
  type RotateApiKeyResponse,
  type SetUserDisabledRequest,
  type SetUserDisabledResponse,
  type UpdateAppRequest,
  type UpdateAppResponse,
} from "./gen/userlink/v1/admin_service.js";

export interface AdminClientOptions extends ClientOptions {
  /** The service's admin token (USERLINK_ADMIN_TOKEN), sent as `authorization: Bearer <adminToken>`. */
  readonly adminToken: string;
}

/**
 * `userlink.v1.AdminService` over gRPC-Web, for internal tools and gateways. The admin
 * token opens every app: keep it out of pages that others load.
 */
export interface AdminClient {
  /** A new app with its SDK configuration. */
  createApp(request: DeepPartial<CreateAppRequest>, options?: CallOptions): Promise<CreateAppResponse>;
  getApp(request: DeepPartial<GetAppRequest>, options?: CallOptions): Promise<GetAppResponse>;
  listApps(request?: DeepPartial<ListAppsRequest>, options?: CallOptions): Promise<ListAppsResponse>;
  /** Changes the fields that are set; a new sdkConfig bumps configVersion. */
  updateApp(request: DeepPartial<UpdateAppRequest>, options?: CallOptions): Promise<UpdateAppResponse>;
  /** A new key; the plaintext `apiKey` is in this response only. */
  createApiKey(
    request: DeepPartial<CreateApiKeyRequest>,
    options?: CallOptions,
  ): Promise<CreateApiKeyResponse>;
  listApiKeys(request: DeepPartial<ListApiKeysRequest>, options?: CallOptions): Promise<ListApiKeysResponse>;
  /** Revokes a key; revoking a revoked key returns it as it is. */
  revokeApiKey(
    request: DeepPartial<RevokeApiKeyRequest>,
    options?: CallOptions,
  ): Promise<RevokeApiKeyResponse>;
  /** A new key replacing this one after a grace period. */
  rotateApiKey(
    request: DeepPartial<RotateApiKeyRequest>,
    options?: CallOptions,
  ): Promise<RotateApiKeyResponse>;
  /** Disables or enables a user. */
  setUserDisabled(
    request: DeepPartial<SetUserDisabledRequest>,
    options?: CallOptions,
  ): Promise<SetUserDisabledResponse>;
  /** An app's users, oldest first, without devices; optionally by external id prefix. */
  listUsers(
    request: DeepPartial<AdminServiceListUsersRequest>,
    options?: CallOptions,
  ): Promise<AdminServiceListUsersResponse>;
  /** One of an app's users, by external or platform id, with every device. */
  getUser(
    request: DeepPartial<AdminServiceGetUserRequest>,
    options?: CallOptions,
  ): Promise<AdminServiceGetUserResponse>;
  /** Deletes one of an app's users as LinkService.DeleteUser does. */
  deleteUser(
    request: DeepPartial<AdminServiceDeleteUserRequest>,
    options?: CallOptions,
  ): Promise<AdminServiceDeleteUserResponse>;
  /** An app's audit trail, newest first; with userId, only that user's events. */
  listAuditEvents(
    request: DeepPartial<ListAuditEventsRequest>,
    options?: CallOptions,
  ): Promise<ListAuditEventsResponse>;
  /** Ends the calls in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const connection = new Connection(options);
  const raw = connection.client(AdminServiceDefinition);
  const auth = bearer(options.adminToken);
  return {
    createApp: (request, call) => connection.unary(raw.createApp, request, auth, call),
    getApp: (request, call) => connection.unary(raw.getApp, request, auth, call),
    listApps: (request = {}, call) => connection.unary(raw.listApps, request, auth, call),
    updateApp: (request, call) => connection.unary(raw.updateApp, request, auth, call),
    createApiKey: (request, call) => connection.unary(raw.createApiKey, request, auth, call),
    listApiKeys: (request, call) => connection.unary(raw.listApiKeys, request, auth, call),
    revokeApiKey: (request, call) => connection.unary(raw.revokeApiKey, request, auth, call),
    rotateApiKey: (request, call) => connection.unary(raw.rotateApiKey, request, auth, call),
    setUserDisabled: (request, call) => connection.unary(raw.setUserDisabled, request, auth, call),
    listUsers: (request, call) => connection.unary(raw.listUsers, request, auth, call),
    getUser: (request, call) => connection.unary(raw.getUser, request, auth, call),
    deleteUser: (request, call) => connection.unary(raw.deleteUser, request, auth, call),
    listAuditEvents: (request, call) => connection.unary(raw.listAuditEvents, request, auth, call),
    close: () => connection.close(),
  };
}
