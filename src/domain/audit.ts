import type { DeviceState, JsonObject, StateReason } from "./model.js";

/**
 * The audit trail's records as the domain produces them. They live here, not in the
 * store's port, because the device transitions (device-transitions.ts) write them.
 */
export type AuditEventKind =
  | "app.created"
  | "app.updated"
  | "api_key.created"
  | "api_key.revoked"
  | "api_key.rotated"
  | "user.created"
  | "user.restored"
  | "user.disabled"
  | "user.enabled"
  | "user.deleted"
  | "device.state_changed"
  | "device.credentials_refreshed"
  | "device.credentials_refresh_retried";

/** Who or what caused an audit event. */
export type AuditActorKind = "API_KEY" | "ADMIN" | "DEVICE" | "SYSTEM";

export interface AuditActor {
  readonly kind: AuditActorKind;
  /**
   * API_KEY: the key id; ADMIN: the admin token's fingerprint (never the token);
   * DEVICE: the device id; SYSTEM: empty, or "unknown" for events recorded before
   * actors were (migration 20261202T000200).
   */
  readonly id: string;
}

export interface AuditEvent {
  readonly appId: string;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly kind: AuditEventKind;
  /** For device.state_changed: the new state and its reason. */
  readonly state: DeviceState | null;
  readonly reason: StateReason | null;
  /** Non-secret facts, e.g. `{ "devices_removed": 2 }`. */
  readonly details: JsonObject;
  readonly occurredAt: Date;
  readonly actor: AuditActor;
}
