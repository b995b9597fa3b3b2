import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { JsonObject } from "../../domain/model.js";

/**
 * The tables as Kysely sees them: snake_case, SQL types. Nothing here leaves the
 * adapter; row-mappers.ts turns rows into domain values.
 */
export interface Database {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  devices: DevicesTable;
  device_credentials: DeviceCredentialsTable;
  retired_refresh_tokens: RetiredRefreshTokensTable;
  refresh_token_families: RefreshTokenFamiliesTable;
  audit_events: AuditEventsTable;
}

/** timestamptz: written as Date, read back as Date by both drivers. */
type Timestamp = ColumnType<Date, Date, Date>;

/**
 * int8: pg returns a string, PGlite a number; the mappers turn both into a number.
 * Written as a number, or as SQL (`config_version + 1`).
 */
type Int8 = ColumnType<string | number | bigint, number, number>;

/** jsonb: read back parsed, written as JSON text (one form that both drivers accept). */
type Jsonb<T> = ColumnType<T, string, string>;

export interface AppsTable {
  id: string;
  display_name: string;
  sdk_config: Jsonb<JsonObject>;
  config_version: Int8;
  auth_code_ttl_seconds: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  app_id: string;
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Date | null;
  last_used_at: Date | null;
  replaced_by_key_id: string | null;
}

export interface UsersTable {
  id: string;
  app_id: string;
  external_user_id: string;
  disabled: boolean;
  created_at: Timestamp;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  app_id: string;
  platform: string;
  device_type: string;
  state: string;
  state_reason: string;
  model: string;
  os_version: string;
  app_version: string;
  sdk_version: string;
  registration_code_hash: string;
  created_at: Timestamp;
  state_changed_at: Timestamp;
  last_seen_at: Date | null;
}

export interface DeviceCredentialsTable {
  device_id: string;
  access_token_hash: string;
  access_token_expires_at: Timestamp;
  refresh_token_hash: string;
  issued_at: Timestamp;
}

/** Before 20261202 a row per rotation; since then read only (pre-family tokens). */
export interface RetiredRefreshTokensTable {
  refresh_token_hash: string;
  device_id: string;
  retired_at: Timestamp;
}

/** Since 20261202: one row per device whose credentials have rotated (docs/credentials.md). */
export interface RefreshTokenFamiliesTable {
  device_id: string;
  family_hash: string | null;
  generation: Int8;
  rotated_at: Timestamp;
  previous_refresh_token_hash: string;
  previous_request_id: string | null;
}

export interface AuditEventsTable {
  id: Generated<Int8>;
  app_id: string;
  user_id: string | null;
  device_id: string | null;
  kind: string;
  state: string | null;
  reason: string | null;
  details: Jsonb<JsonObject>;
  occurred_at: Timestamp;
  event_id: string;
  actor_kind: string;
  actor_id: string;
}

export type AppRow = Selectable<AppsTable>;
export type NewAppRow = Insertable<AppsTable>;
export type AppRowUpdate = Updateable<AppsTable>;

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
export type ApiKeyRowUpdate = Updateable<ApiKeysTable>;

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserRowUpdate = Updateable<UsersTable>;

export type DeviceRow = Selectable<DevicesTable>;
export type NewDeviceRow = Insertable<DevicesTable>;
export type DeviceRowUpdate = Updateable<DevicesTable>;

export type DeviceCredentialsRow = Selectable<DeviceCredentialsTable>;
export type NewDeviceCredentialsRow = Insertable<DeviceCredentialsTable>;
export type DeviceCredentialsRowUpdate = Updateable<DeviceCredentialsTable>;

export type RetiredRefreshTokenRow = Selectable<RetiredRefreshTokensTable>;
export type NewRetiredRefreshTokenRow = Insertable<RetiredRefreshTokensTable>;

export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
