export { createLinkClient, type LinkClient, type LinkClientOptions } from "./link-client.js";
export { createDeviceClient, type DeviceClient, type DeviceClientOptions } from "./device-client.js";
export { createAdminClient, type AdminClient, type AdminClientOptions } from "./admin-client.js";
export type { CallOptions, ClientOptions } from "./client-options.js";
export { UserlinkError, type FieldViolation, type StatusName } from "./userlink-error.js";
export { Status } from "nice-grpc-web";

// The contract's enums (values) and messages (types), as the generated stubs define them.
export {
  ApiKeyScope,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
  AuditActorKind,
  AuditEventKind,
  type ApiKey,
  type App,
  type AuditActor,
  type AuditEvent,
  type Credentials,
  type DeepPartial,
  type Device,
  type User,
} from "./gen/userlink/v1/types.js";
export type { Duration } from "./gen/google/protobuf/duration.js";
export type {
  DeleteUserRequest,
  DeleteUserResponse,
  GetUserRequest,
  GetUserResponse,
  ListUsersRequest,
  ListUsersResponse,
  RequestAuthCodeRequest,
  RequestAuthCodeResponse,
} from "./gen/userlink/v1/link_service.js";
export type {
  AppInfo,
  CreateUserRequest,
  CreateUserResponse,
  DeviceInfo,
  GetDeviceStatusRequest,
  GetDeviceStatusResponse,
  RefreshCredentialsRequest,
  RefreshCredentialsResponse,
  ResetDeviceRequest,
  ResetDeviceResponse,
  WatchDeviceStatusRequest,
  WatchDeviceStatusResponse,
} from "./gen/userlink/v1/device_service.js";
export type {
  AdminServiceDeleteUserRequest,
  AdminServiceDeleteUserResponse,
  AdminServiceGetUserRequest,
  AdminServiceGetUserResponse,
  AdminServiceListUsersRequest,
  AdminServiceListUsersResponse,
  ListAuditEventsRequest,
  ListAuditEventsResponse,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  CreateAppRequest,
  CreateAppResponse,
  GetAppRequest,
  GetAppResponse,
  ListApiKeysRequest,
  ListApiKeysResponse,
  ListAppsRequest,
  ListAppsResponse,
  RevokeApiKeyRequest,
  RevokeApiKeyResponse,
  RotateApiKeyRequest,
  RotateApiKeyResponse,
  SetUserDisabledRequest,
  SetUserDisabledResponse,
  UpdateAppRequest,
  UpdateAppResponse,
} from "./gen/userlink/v1/admin_service.js";
