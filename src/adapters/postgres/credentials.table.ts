import type { Insertable, Selectable, Updateable } from "kysely";
import type { DeviceCredentials } from "../../domain/model.js";
import type { Int8, Timestamp } from "./column-types.js";

/**
 * The credentials tables as Kysely sees them (the current set per device, the refresh
 * token families and the pre-family retired tokens), and the current set to
 * DeviceCredentials and back.
 */

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

export type DeviceCredentialsRow = Selectable<DeviceCredentialsTable>;
export type NewDeviceCredentialsRow = Insertable<DeviceCredentialsTable>;
export type DeviceCredentialsRowUpdate = Updateable<DeviceCredentialsTable>;

export type RetiredRefreshTokenRow = Selectable<RetiredRefreshTokensTable>;
export type NewRetiredRefreshTokenRow = Insertable<RetiredRefreshTokensTable>;

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
