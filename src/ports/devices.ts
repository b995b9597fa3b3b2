import type { DeviceTransition } from "../domain/device-transitions.js";
import type { App, Device } from "../domain/model.js";

export interface DeviceRepository {
  /**
   * Writes what domain/device-transitions.ts decided, the one way use cases change
   * devices: the state changes, then the arrival (device and credentials) if any, then
   * the audit records, in the caller's transaction. With an arrival, returns the
   * device's app, read by the same statement as the arrival (its SDK config is in the
   * answer; null when the app is gone); without one, null. Fails with CONFLICT when an
   * arrival would break the one-ACTIVE-one-INACTIVE index or reuse a registration code.
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
  /** Records a sighting, only when the stored lastSeenAt is older than `notAfter`. */
  touchLastSeen(id: string, at: Date, notAfter: Date): Promise<void>;
}
