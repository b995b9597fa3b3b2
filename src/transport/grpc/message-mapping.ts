import type { IssuedCredentials } from "../../domain/credentials.js";
import type {
  ApiKey,
  ApiKeyScope,
  App,
  Device,
  DeviceType,
  JsonObject,
  Platform,
  User,
} from "../../domain/model.js";
import { looksLikeSecret } from "../../domain/secrets.js";
import { LIMITS, Violations } from "../../domain/validation.js";
import type { CreateUserCommand } from "../../services/create-user.use-case.js";
import type { CreateUserRequest } from "../../gen/userlink/v1/device_service.js";
import type { CreateApiKeyRequest } from "../../gen/userlink/v1/admin_service.js";
import type { CreateApiKeyCommand } from "../../services/admin.service.js";
import { LATEST_TIMESTAMP_MS } from "../../domain/limits.js";
import type { RecordedAuditEvent } from "../../ports/store.js";
import type { UserSelector } from "../../services/user-selector.js";
import type { Duration } from "../../gen/google/protobuf/duration.js";
import type {
  ApiKey as ProtoApiKey,
  App as ProtoApp,
  Credentials as ProtoCredentials,
  AuditEvent as ProtoAuditEvent,
  Device as ProtoDevice,
  User as ProtoUser,
} from "../../gen/userlink/v1/types.js";
import {
  auditActorKinds,
  auditEventKinds,
  deviceStates,
  deviceTypes,
  platforms,
  scopes,
  stateReasons,
} from "./enum-mapping.js";

export function appToProto(app: App): ProtoApp {
  return {
    appId: app.id,
    displayName: app.displayName,
    sdkConfig: app.sdkConfig,
    configVersion: String(app.configVersion),
    authCodeTtl: secondsToDuration(app.authCodeTtlSeconds),
    createdAt: app.createdAt,
  };
}

export function apiKeyToProto(key: ApiKey): ProtoApiKey {
  return {
    keyId: key.id,
    appId: key.appId,
    name: key.name,
    scopes: key.scopes.map(scopes.toProto),
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt ?? undefined,
    lastUsedAt: key.lastUsedAt ?? undefined,
    replacedByKeyId: key.replacedByKeyId ?? "",
  };
}

export function deviceToProto(device: Device): ProtoDevice {
  return {
    deviceId: device.id,
    platform: platforms.toProto(device.platform),
    deviceType: deviceTypes.toProto(device.deviceType),
    state: deviceStates.toProto(device.state),
    stateReason: stateReasons.toProto(device.stateReason),
    createdAt: device.createdAt,
    lastSeenAt: device.lastSeenAt ?? undefined,
    model: device.model,
    osVersion: device.osVersion,
    appVersion: device.appVersion,
    sdkVersion: device.sdkVersion,
  };
}

export function userToProto(user: User, devices: readonly Device[] = []): ProtoUser {
  return {
    userId: user.id,
    externalUserId: user.externalUserId,
    createdAt: user.createdAt,
    disabled: user.disabled,
    devices: devices.map(deviceToProto),
  };
}

export function credentialsToProto(issued: IssuedCredentials): ProtoCredentials {
  return {
    accessToken: issued.accessToken,
    accessTokenExpiresAt: issued.accessTokenExpiresAt,
    refreshToken: issued.refreshToken,
  };
}

/** Struct arrives as a plain object already (ts-proto unwraps it). */
export function structFromProto(value: { [key: string]: unknown } | undefined): JsonObject | null {
  return value === undefined ? null : (value as JsonObject);
}

export function secondsToDuration(seconds: number): Duration {
  return { seconds: String(seconds), nanos: 0 };
}

/** Whole seconds when the duration has no fraction; NaN (refused by validation) otherwise. */
export function durationToSeconds(duration: Duration | undefined): number | null {
  if (duration === undefined) return null;
  const seconds = Number(duration.seconds);
  return duration.nanos === 0 ? seconds : seconds + duration.nanos / 1e9;
}

export function durationToMs(duration: Duration | undefined): number | null {
  if (duration === undefined) return null;
  return Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1e6);
}

/** Field by field: the trail holds no secret, and this adds none. */
export function auditEventToProto(event: RecordedAuditEvent): ProtoAuditEvent {
  return {
    eventId: event.id,
    occurredAt: event.occurredAt,
    kind: auditEventKinds.toProto(event.kind),
    userId: event.userId ?? "",
    deviceId: event.deviceId ?? "",
    deviceState: event.state === null ? 0 : deviceStates.toProto(event.state),
    stateReason: event.reason === null ? 0 : stateReasons.toProto(event.reason),
    actor: { kind: auditActorKinds.toProto(event.actor.kind), id: event.actor.id },
    details: event.details,
  };
}

/** CreateUser as transport has read it: null where the caller sent nothing usable. */
export interface CreateUserInput {
  readonly authenticationCode: string;
  readonly requestId: string;
  readonly app: { readonly appVersion: string; readonly sdkVersion: string } | null;
  readonly device: {
    readonly platform: Platform | null;
    readonly deviceType: DeviceType | null;
    readonly model: string;
    readonly osVersion: string;
  } | null;
}

export function createUserInputFromProto(request: CreateUserRequest): CreateUserInput {
  return {
    authenticationCode: request.authenticationCode,
    requestId: request.requestId,
    app: request.app ?? null,
    device: request.device
      ? {
          platform: platforms.fromProto(request.device.platform),
          deviceType: deviceTypes.fromProto(request.device.deviceType),
          model: request.device.model,
          osVersion: request.device.osVersion,
        }
      : null,
  };
}

/**
 * The complete CreateUser command, or INVALID_ARGUMENT naming every bad field at once.
 * Every check that can be made without touching the code, so that bad input never
 * burns one. A code that cannot be one of ours is a bad code (UNAUTHENTICATED), not bad
 * input: the use case tells it apart, since the caller cannot tell it from an expired one.
 */
export function parseCreateUser(input: CreateUserInput): CreateUserCommand {
  const v = new Violations();
  if (input.authenticationCode === "") v.add("authentication_code", "is required");
  v.text("request_id", input.requestId, LIMITS.requestId, { required: true });
  if (input.app !== null) {
    v.text("app.app_version", input.app.appVersion, LIMITS.shortText, { required: false });
    v.text("app.sdk_version", input.app.sdkVersion, LIMITS.shortText, { required: false });
  }
  const { device } = input;
  if (device === null) {
    v.add("device", "is required");
  } else {
    if (device.platform === null) v.add("device.platform", "must be PLATFORM_IOS or PLATFORM_ANDROID");
    if (device.deviceType === null) {
      v.add("device.device_type", "must be DEVICE_TYPE_PHONE or DEVICE_TYPE_TABLET");
    }
    v.text("device.model", device.model, LIMITS.model, { required: false });
    v.text("device.os_version", device.osVersion, LIMITS.shortText, { required: false });
  }
  if (device === null || device.platform === null || device.deviceType === null) return v.fail();
  v.throwIfAny();
  return {
    authenticationCode: input.authenticationCode,
    requestId: input.requestId,
    app: { appVersion: input.app?.appVersion ?? "", sdkVersion: input.app?.sdkVersion ?? "" },
    device: { ...device, platform: device.platform, deviceType: device.deviceType },
  };
}

/** parseCreateUser's checks alone, and whether the code could be one of ours. */
export function validateCreateUser(input: CreateUserInput): { codeWellFormed: boolean } {
  parseCreateUser(input);
  return { codeWellFormed: looksLikeSecret(input.authenticationCode) };
}

type ProtoUserChoice = { $case: "externalUserId"; value: string } | { $case: "userId"; value: string };

/** The `user` oneof of GetUser and DeleteUser (LinkService and AdminService alike). */
export function selectorFromProto(user: ProtoUserChoice | undefined): UserSelector | null {
  if (user === undefined) return null;
  return user.$case === "userId"
    ? { by: "user_id", value: user.value }
    : { by: "external_user_id", value: user.value };
}

/** The selector, checked, or INVALID_ARGUMENT. */
export function parseSelector(selector: UserSelector | null): UserSelector {
  const violations = new Violations();
  if (selector === null) return violations.add("user", "set external_user_id or user_id").fail();
  if (selector.by === "user_id") violations.id("user_id", selector.value);
  else violations.text("external_user_id", selector.value, LIMITS.externalUserId, { required: true });
  violations.throwIfAny();
  return selector;
}

export function validateSelector(selector: UserSelector | null): void {
  parseSelector(selector);
}

/** The selector of a GetUser/DeleteUser request, parsed when the use case asks for it. */
export function selectorParser(user: ProtoUserChoice | undefined): () => UserSelector {
  return () => parseSelector(selectorFromProto(user));
}

/**
 * CreateApiKey complete, or INVALID_ARGUMENT naming every bad field; `now` is the call's
 * time (AdminService passes its clock's), which an expiry must lie after.
 */
export function parseCreateApiKey(request: CreateApiKeyRequest, now: Date): CreateApiKeyCommand {
  const v = new Violations()
    .id("app_id", request.appId)
    .text("name", request.name, LIMITS.name, { required: true });
  if (request.scopes.length === 0) v.add("scopes", "at least one scope is required");
  else if (request.scopes.length > 3) v.add("scopes", "at most 3 scopes");
  const known: ApiKeyScope[] = [];
  request.scopes.forEach((value, i) => {
    const scope = scopes.fromProto(value);
    if (scope === null) v.add(`scopes[${i}]`, "must be a known API_KEY_SCOPE_ value");
    else known.push(scope);
  });
  const expiresAtMs = request.expiresAt?.getTime() ?? null;
  if (expiresAtMs !== null && !(expiresAtMs <= LATEST_TIMESTAMP_MS)) {
    // NaN too: ts-proto turns seconds beyond a Date's range into an invalid Date.
    v.add("expires_at", "must be a time no later than 9999-12-31T23:59:59Z");
  } else if (expiresAtMs !== null && expiresAtMs <= now.getTime()) {
    v.add("expires_at", "must be in the future");
  }
  v.throwIfAny();
  return { appId: request.appId, name: request.name, scopes: known, expiresAt: request.expiresAt ?? null };
}
