/**
 * The entities of userlink as the services see them: plain values, camelCase, with no
 * trace of the proto or SQL shapes they travel in.
 */

export type Platform = "IOS" | "ANDROID";
export type DeviceType = "PHONE" | "TABLET";
export type DeviceState = "ACTIVE" | "INACTIVE" | "DEACTIVATED" | "RESET";
export type StateReason =
  | "NEW_DEVICE"
  | "REPLACED_BY_NEWER_DEVICE"
  | "PHONE_PREFERRED"
  | "RESET"
  | "USER_DISABLED"
  | "USER_DELETED"
  | "CREDENTIALS_REUSED";
export type ApiKeyScope = "USER_LINK" | "USER_READ" | "USER_DELETE";

export const PLATFORMS: readonly Platform[] = ["IOS", "ANDROID"];
export const DEVICE_TYPES: readonly DeviceType[] = ["PHONE", "TABLET"];
export const DEVICE_STATES: readonly DeviceState[] = ["ACTIVE", "INACTIVE", "DEACTIVATED", "RESET"];
export const STATE_REASONS: readonly StateReason[] = [
  "NEW_DEVICE",
  "REPLACED_BY_NEWER_DEVICE",
  "PHONE_PREFERRED",
  "RESET",
  "USER_DISABLED",
  "USER_DELETED",
  "CREDENTIALS_REUSED",
];
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ["USER_LINK", "USER_READ", "USER_DELETE"];

/** A JSON object, as the SDK configuration is stored and served. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface App {
  readonly id: string;
  readonly displayName: string;
  readonly sdkConfig: JsonObject;
  readonly configVersion: number;
  readonly authCodeTtlSeconds: number;
  readonly createdAt: Date;
}

export interface ApiKey {
  readonly id: string;
  readonly appId: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  /** SHA-256 of the secret part, hex. The secret itself is never stored. */
  readonly secretHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly replacedByKeyId: string | null;
}

export interface User {
  readonly id: string;
  readonly appId: string;
  readonly externalUserId: string;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface Device {
  readonly id: string;
  readonly userId: string;
  readonly appId: string;
  readonly platform: Platform;
  readonly deviceType: DeviceType;
  readonly state: DeviceState;
  readonly stateReason: StateReason;
  readonly model: string;
  readonly osVersion: string;
  readonly appVersion: string;
  readonly sdkVersion: string;
  /**
   * Hash of the authentication code that registered the device: lets a retry of the
   * same CreateUser find the registration it made (rule 1).
   */
  readonly registrationCodeHash: string;
  readonly createdAt: Date;
  readonly stateChangedAt: Date;
  readonly lastSeenAt: Date | null;
}

/** The hashes of a device's current tokens. */
export interface DeviceCredentials {
  readonly deviceId: string;
  readonly accessTokenHash: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshTokenHash: string;
  readonly issuedAt: Date;
}

/** A device whose state stays until something else happens to it. */
export function isLive(state: DeviceState): boolean {
  return state === "ACTIVE" || state === "INACTIVE";
}
