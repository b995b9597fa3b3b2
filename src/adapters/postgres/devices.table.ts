import type { Insertable, Selectable, Updateable } from "kysely";
import type { Device, DeviceState, DeviceType, Platform, StateReason } from "../../domain/model.js";
import type { Timestamp } from "./column-types.js";

/** The devices table as Kysely sees it, and its rows to Device and back. */

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

export type DeviceRow = Selectable<DevicesTable>;
export type NewDeviceRow = Insertable<DevicesTable>;
export type DeviceRowUpdate = Updateable<DevicesTable>;

// The enum columns hold the domain strings and the CHECK constraints keep them to the
// known values, so the casts below only narrow what the database already guarantees.
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
