import type { IssuedCredentials } from "../../domain/credentials.js";
import type { ApiKey, App, Device, JsonObject, User } from "../../domain/model.js";
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

/** The `user` oneof of GetUser and DeleteUser (LinkService and AdminService alike). */
export function selectorFromProto(
  user: { $case: "externalUserId"; value: string } | { $case: "userId"; value: string } | undefined,
): UserSelector {
  if (user === undefined) return null;
  return user.$case === "userId"
    ? { by: "user_id", value: user.value }
    : { by: "external_user_id", value: user.value };
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
