// What both packages export alike: the clients' shapes, the error, the status codes,
// the google.rpc detail types and the contract's enums and messages.
export type { LinkClient } from "./link-client.js";
export type { DeviceClient } from "./device-client.js";
export type { AdminClient } from "./admin-client.js";
export type { CallOptions, RetryOptions } from "./call-options.js";
export { UserlinkError, type StatusName } from "./userlink-error.js";
export {
  decodeStatusDetails,
  type BadRequest,
  type ErrorInfo,
  type FieldViolation,
  type RetryInfo,
  type StatusDetails,
} from "./status-details.js";
export { Status } from "nice-grpc-common";

export {
  ApiKeyScope,
  AuditActorKind,
  AuditEventKind,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
  type ApiKey,
  type App,
  type AuditActor,
  type AuditEvent,
  type Credentials,
  type DeepPartial,
  type Device,
  type User,
} from "../../../src/gen/userlink/v1/types.js";
export type { Duration } from "../../../src/gen/google/protobuf/duration.js";
export type {
  DeleteUserRequest,
  DeleteUserResponse,
  GetUserRequest,
  GetUserResponse,
  ListUsersRequest,
  ListUsersResponse,
  RequestAuthCodeRequest,
  RequestAuthCodeResponse,
} from "../../../src/gen/userlink/v1/link_service.js";
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
} from "../../../src/gen/userlink/v1/device_service.js";
export type {
  AdminServiceDeleteUserRequest,
  AdminServiceDeleteUserResponse,
  AdminServiceGetUserRequest,
  AdminServiceGetUserResponse,
  AdminServiceListUsersRequest,
  AdminServiceListUsersResponse,
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
  ListAuditEventsRequest,
  ListAuditEventsResponse,
  RevokeApiKeyRequest,
  RevokeApiKeyResponse,
  RotateApiKeyRequest,
  RotateApiKeyResponse,
  SetUserDisabledRequest,
  SetUserDisabledResponse,
  UpdateAppRequest,
  UpdateAppResponse,
} from "../../../src/gen/userlink/v1/admin_service.js";
