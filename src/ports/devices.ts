import type { AuditEvent } from "../domain/audit.js";
import type { DeviceTransition } from "../domain/device-transitions.js";
import type { App, Device, DeviceCredentials, DeviceState, StateReason } from "../domain/model.js";

export interface DeviceRepository {
  insert(device: Device): Promise<void>;
  /**
   * A new registration in one statement: the device, its credentials and the audit
   * events of its arrival (at least one). Returns the device's app, read by the same
   * statement (null when there is none). Fails like `insert` (CONFLICT) and then
   * writes nothing.
   */
  register(
    device: Device,
    credentials: DeviceCredentials,
    events: readonly AuditEvent[],
  ): Promise<App | null>;
  /**
   * Writes what domain/device-transitions.ts decided, the one way use cases change
   * devices: the state changes, then the arrival (device and credentials) if any, then
   * the audit records, in the caller's transaction. With an arrival, returns the
   * device's app, read by the same statement as the arrival (its SDK config is in the
   * answer; null when the app is gone); without one, null. Fails like `insert`
   * (CONFLICT) when an arrival would break the one-ACTIVE-one-INACTIVE index.
   */
  applyTransition(transition: DeviceTransition): Promise<App | null>;
  /** The device, or null when there is none with that id. */
  findById(id: string): Promise<Device | null>;
  /** Locks and returns the device, or null. */
  findByIdForUpdate(id: string): Promise<Device | null>;
  /** The device a code registered (for the retry of rule 1), or null. */
  findByRegistrationCode(codeHash: string): Promise<Device | null>;
  /** Every device of the user, newest first (descending createdAt, then id). */
  listByUser(userId: string): Promise<Device[]>;
  /** The user's ACTIVE and INACTIVE devices. Call with the user's row locked. */
  listLiveByUser(userId: string): Promise<Device[]>;
  /** Moves the devices to `state`/`reason` as of `at`; returns how many moved. */
  setState(ids: readonly string[], state: DeviceState, reason: StateReason, at: Date): Promise<number>;
  /** Records a sighting, only when the stored lastSeenAt is older than `notAfter`. */
  touchLastSeen(id: string, at: Date, notAfter: Date): Promise<void>;
}
