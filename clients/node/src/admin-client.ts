import type { CallOptions, ClientOptions } from "./client-options.js";
import { bearer, Connection } from "./connection.js";
import {
  AdminServiceDefinition,
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
 * `userlink.v1.AdminService`, for internal services and operators. Reads and the calls
 * whose repetition changes nothing (revokeApiKey, setUserDisabled) are retried on
 * UNAVAILABLE; those that create something or bump a version are not.
 */
export interface AdminClient {
  /** A new app with its SDK configuration. Not retried (a retry could make a second app). */
  createApp(request: DeepPartial<CreateAppRequest>, options?: CallOptions): Promise<CreateAppResponse>;
  getApp(request: DeepPartial<GetAppRequest>, options?: CallOptions): Promise<GetAppResponse>;
  listApps(request?: DeepPartial<ListAppsRequest>, options?: CallOptions): Promise<ListAppsResponse>;
  /** Changes the fields that are set; a new sdkConfig bumps configVersion. Not retried. */
  updateApp(request: DeepPartial<UpdateAppRequest>, options?: CallOptions): Promise<UpdateAppResponse>;
  /** A new key; the plaintext `apiKey` is in this response only. Not retried. */
  createApiKey(
    request: DeepPartial<CreateApiKeyRequest>,
    options?: CallOptions,
  ): Promise<CreateApiKeyResponse>;
  listApiKeys(request: DeepPartial<ListApiKeysRequest>, options?: CallOptions): Promise<ListApiKeysResponse>;
  /** Revokes a key; revoking a revoked key returns it as it is. Retried. */
  revokeApiKey(
    request: DeepPartial<RevokeApiKeyRequest>,
    options?: CallOptions,
  ): Promise<RevokeApiKeyResponse>;
  /** A new key replacing this one after a grace period. Not retried. */
  rotateApiKey(
    request: DeepPartial<RotateApiKeyRequest>,
    options?: CallOptions,
  ): Promise<RotateApiKeyResponse>;
  /** Disables or enables a user. Retried. */
  setUserDisabled(
    request: DeepPartial<SetUserDisabledRequest>,
    options?: CallOptions,
  ): Promise<SetUserDisabledResponse>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const connection = new Connection(options);
  const raw = connection.client(AdminServiceDefinition);
  const auth = bearer(options.adminToken);
  return {
    createApp: (request, call) => connection.unary(raw.createApp, request, "once", auth, call),
    getApp: (request, call) => connection.unary(raw.getApp, request, "retry", auth, call),
    listApps: (request = {}, call) => connection.unary(raw.listApps, request, "retry", auth, call),
    updateApp: (request, call) => connection.unary(raw.updateApp, request, "once", auth, call),
    createApiKey: (request, call) => connection.unary(raw.createApiKey, request, "once", auth, call),
    listApiKeys: (request, call) => connection.unary(raw.listApiKeys, request, "retry", auth, call),
    revokeApiKey: (request, call) => connection.unary(raw.revokeApiKey, request, "retry", auth, call),
    rotateApiKey: (request, call) => connection.unary(raw.rotateApiKey, request, "once", auth, call),
    setUserDisabled: (request, call) => connection.unary(raw.setUserDisabled, request, "retry", auth, call),
    close: () => connection.close(),
  };
}
