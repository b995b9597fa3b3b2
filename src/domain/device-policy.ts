import type { Device, DeviceState, DeviceType, StateReason } from "./model.js";

/** What registering a new device does to the user's devices. */
export interface RegistrationPlan {
  readonly newState: DeviceState;
  readonly newReason: StateReason;
  /** Live devices that leave, all DEACTIVATED / REPLACED_BY_NEWER_DEVICE. */
  readonly replacedDeviceIds: readonly string[];
}

/**
 * Rule 5, the device classes. A new phone always becomes ACTIVE. A new tablet
 * becomes INACTIVE / PHONE_PREFERRED while a phone is active, ACTIVE otherwise.
 * Whatever the new device becomes, every live device that would share its state or
 * that it outranks is replaced: the old active device when the new one is active, and
 * every older INACTIVE registration (at most one ACTIVE and one INACTIVE per user).
 *
 * `live` is the user's ACTIVE and INACTIVE devices, read with the user locked.
 */
export function planRegistration(newType: DeviceType, live: readonly Device[]): RegistrationPlan {
  const active = live.find((d) => d.state === "ACTIVE");
  const phoneKeepsActive = newType === "TABLET" && active?.deviceType === "PHONE";
  if (phoneKeepsActive) {
    return {
      newState: "INACTIVE",
      newReason: "PHONE_PREFERRED",
      replacedDeviceIds: live.filter((d) => d.state === "INACTIVE").map((d) => d.id),
    };
  }
  return {
    newState: "ACTIVE",
    newReason: "NEW_DEVICE",
    replacedDeviceIds: live.map((d) => d.id),
  };
}
