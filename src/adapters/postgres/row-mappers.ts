import type {
  ApiKey,
  ApiKeyScope,
  App,
  Device,
  DeviceCredentials,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
  User,
} from "../../domain/model.js";
import { newId } from "../../domain/ids.js";
import type { AuditActorKind, AuditEvent, AuditEventKind, RecordedAuditEvent } from "../../ports/store.js";
import type {
  ApiKeyRow,
  AppRow,
  AuditEventRow,
  DeviceCredentialsRow,
  DeviceRow,
  NewApiKeyRow,
  NewAppRow,
  NewAuditEventRow,
  NewDeviceCredentialsRow,
  NewDeviceRow,
  NewUserRow,
  UserRow,
} from "./schema.js";

// Rows → domain values and back, one pair per table. The enum columns hold the domain
// strings and the CHECK constraints keep them to the known values, so the casts below
// only narrow what the database already guarantees.

/** int8 arrives as a string (pg) or a number/bigint (PGlite). */
export function toNumber(value: string | number | bigint): number {
  return Number(value);
}

export function appFromRow(row: AppRow): App {
  return {
    id: row.id,
    displayName: row.display_name,
    sdkConfig: row.sdk_config,
    configVersion: toNumber(row.config_version),
    authCodeTtlSeconds: row.auth_code_ttl_seconds,
    createdAt: row.created_at,
  };
}

/**
 * The app's columns renamed `app_*`, for queries that join apps to a table whose own
 * `id` and `created_at` would otherwise collide; `appFromPrefixedRow` reads them back.
 */
export const PREFIXED_APP_COLUMNS = [
  "apps.display_name as app_display_name",
  "apps.sdk_config as app_sdk_config",
  "apps.config_version as app_config_version",
  "apps.auth_code_ttl_seconds as app_auth_code_ttl_seconds",
  "apps.created_at as app_created_at",
  "apps.updated_at as app_updated_at",
] as const;

export function appFromPrefixedRow(row: {
  app_id: string;
  app_display_name: string;
  app_sdk_config: AppRow["sdk_config"];
  app_config_version: AppRow["config_version"];
  app_auth_code_ttl_seconds: number;
  app_created_at: Date;
  app_updated_at: Date;
}): App {
  return appFromRow({
    id: row.app_id,
    display_name: row.app_display_name,
    sdk_config: row.app_sdk_config,
    config_version: row.app_config_version,
    auth_code_ttl_seconds: row.app_auth_code_ttl_seconds,
    created_at: row.app_created_at,
    updated_at: row.app_updated_at,
  });
}

export function appToRow(app: App): NewAppRow {
  return {
    id: app.id,
    display_name: app.displayName,
    sdk_config: JSON.stringify(app.sdkConfig),
    config_version: app.configVersion,
    auth_code_ttl_seconds: app.authCodeTtlSeconds,
    created_at: app.createdAt,
    updated_at: app.createdAt,
  };
}

export function apiKeyFromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    scopes: row.scopes as ApiKeyScope[],
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    replacedByKeyId: row.replaced_by_key_id,
  };
}

export function apiKeyToRow(key: ApiKey): NewApiKeyRow {
  return {
    id: key.id,
    app_id: key.appId,
    name: key.name,
    scopes: [...key.scopes],
    secret_hash: key.secretHash,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    last_used_at: key.lastUsedAt,
    replaced_by_key_id: key.replacedByKeyId,
  };
}

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    appId: row.app_id,
    externalUserId: row.external_user_id,
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}

export function userToRow(user: User): NewUserRow {
  return {
    id: user.id,
    app_id: user.appId,
    external_user_id: user.externalUserId,
    disabled: user.disabled,
    created_at: user.createdAt,
  };
}

export function deviceFromRow(row: DeviceRow): Device {
  return {
    id: row.id,
    userId: row.user_id,
    appId: row.app_id,
    platform: row.platform as Platform,
    deviceType: row.device_type as DeviceType,
    state: row.state as DeviceState,
    stateReason: row.state_reason as StateReason,
    model: row.model,
    osVersion: row.os_version,
    appVersion: row.app_version,
    sdkVersion: row.sdk_version,
    registrationCodeHash: row.registration_code_hash,
    createdAt: row.created_at,
    stateChangedAt: row.state_changed_at,
    lastSeenAt: row.last_seen_at,
  };
}

export function deviceToRow(device: Device): NewDeviceRow {
  return {
    id: device.id,
    user_id: device.userId,
    app_id: device.appId,
    platform: device.platform,
    device_type: device.deviceType,
    state: device.state,
    state_reason: device.stateReason,
    model: device.model,
    os_version: device.osVersion,
    app_version: device.appVersion,
    sdk_version: device.sdkVersion,
    registration_code_hash: device.registrationCodeHash,
    created_at: device.createdAt,
    state_changed_at: device.stateChangedAt,
    last_seen_at: device.lastSeenAt,
  };
}

export function credentialsFromRow(row: DeviceCredentialsRow): DeviceCredentials {
  return {
    deviceId: row.device_id,
    accessTokenHash: row.access_token_hash,
    accessTokenExpiresAt: row.access_token_expires_at,
    refreshTokenHash: row.refresh_token_hash,
    issuedAt: row.issued_at,
  };
}

export function credentialsToRow(credentials: DeviceCredentials): NewDeviceCredentialsRow {
  return {
    device_id: credentials.deviceId,
    access_token_hash: credentials.accessTokenHash,
    access_token_expires_at: credentials.accessTokenExpiresAt,
    refresh_token_hash: credentials.refreshTokenHash,
    issued_at: credentials.issuedAt,
  };
}

export function auditEventFromRow(row: AuditEventRow): AuditEvent {
  return {
    appId: row.app_id,
    userId: row.user_id,
    deviceId: row.device_id,
    kind: row.kind as AuditEventKind,
    state: row.state as DeviceState | null,
    reason: row.reason as StateReason | null,
    details: row.details,
    occurredAt: row.occurred_at,
    actor: { kind: row.actor_kind as AuditActorKind, id: row.actor_id },
  };
}

export function recordedAuditEventFromRow(row: AuditEventRow): RecordedAuditEvent {
  return { id: row.event_id, ...auditEventFromRow(row) };
}

/** The last event id this process handed out; see nextEventId. */
let lastEventId = "";

/**
 * A UUIDv7 of `at` that sorts after every one this process made before in the same
 * millisecond (RFC 9562 §6.2, method 2: the random part of the previous id plus one),
 * so that events appended one after the other, in one statement or in two, list in
 * that order. Instances do not coordinate: theirs of one millisecond interleave.
 */
function nextEventId(at: Date): string {
  let id = newId(at);
  if (id.slice(0, 13) === lastEventId.slice(0, 13) && id <= lastEventId) {
    const hex = (BigInt(`0x${lastEventId.replace(/-/g, "")}`) + 1n).toString(16).padStart(32, "0");
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  lastEventId = id;
  return id;
}

/**
 * One append's rows, each with an id of its occurredAt's millisecond (nextEventId),
 * handed out in (occurredAt, append) order: events of one instant sort as appended.
 */
export function auditEventsToRows(events: readonly AuditEvent[]): NewAuditEventRow[] {
  const order = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.index - b.index);
  const rows: NewAuditEventRow[] = new Array(events.length);
  for (const { event, index } of order) {
    rows[index] = {
      event_id: nextEventId(event.occurredAt),
      app_id: event.appId,
      user_id: event.userId,
      device_id: event.deviceId,
      kind: event.kind,
      state: event.state,
      reason: event.reason,
      details: JSON.stringify(event.details),
      occurred_at: event.occurredAt,
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
    };
  }
  return rows;
}
