import type { AuditActor, AuditEvent } from "./audit.js";
import { planRegistration } from "./device-policy.js";
import {
  isLive,
  type Device,
  type DeviceCredentials,
  type DeviceState,
  type JsonObject,
  type StateReason,
  type User,
} from "./model.js";

/**
 * Every change to a user's devices, decided in one place: given the devices as they are
 * and what is meant to happen, which devices move to which state and why, what the
 * audit trail records, and what is announced to the devices' watchers. Pure: the use
 * cases read the devices (with the user locked), apply the result through one store
 * verb (DeviceRepository.applyTransition) and announce its events once it committed.
 */
export type DeviceIntent =
  /** CreateUser (rules 4 and 5): `device` arrives, its state and reason still to decide. */
  | {
      readonly kind: "register";
      readonly device: Omit<Device, "state" | "stateReason" | "stateChangedAt">;
      readonly credentials: DeviceCredentials;
      /** The user was created by this registration (user.created, else user.restored). */
      readonly userCreated: boolean;
    }
  /** Rule 7: the user leaves this device. */
  | { readonly kind: "reset"; readonly deviceId: string }
  /** Rule 10: a refresh token was used twice; `details` say how (never a secret). */
  | { readonly kind: "credentials_reused"; readonly deviceId: string; readonly details: JsonObject }
  /** Rule 9. */
  | { readonly kind: "disable" }
  | { readonly kind: "enable" }
  /** Rule 8: the user and every row naming them go; the trail keeps a count. */
  | { readonly kind: "delete" };

export interface TransitionInput {
  readonly user: Pick<User, "id" | "appId" | "disabled">;
  /**
   * The user's devices as read with the user (or the device) locked: at least the live
   * ones; for "delete", every one (the trail counts them).
   */
  readonly devices: readonly Device[];
  readonly intent: DeviceIntent;
  /** Who caused it: recorded with every audit record of the transition. */
  readonly actor: AuditActor;
  readonly at: Date;
}

/** A device's move to a new state. */
export interface StateChange {
  readonly deviceId: string;
  readonly state: DeviceState;
  readonly reason: StateReason;
  readonly at: Date;
}

/** A device's new state as announced to the instances that watch it. */
export interface DeviceStateEvent {
  readonly kind: "device_state";
  readonly appId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly state: DeviceState;
  readonly reason: StateReason;
  readonly changedAt: Date;
}

export interface DeviceTransition {
  /** Existing device rows to move (none for "delete": the rows go with the user). */
  readonly changes: readonly StateChange[];
  /** The registration to write, with its decided state; null unless "register". */
  readonly arrival: { readonly device: Device; readonly credentials: DeviceCredentials } | null;
  /** In the order they happened (the trail's ids ascend in append order). */
  readonly audit: readonly AuditEvent[];
  /** To announce after the commit. */
  readonly events: readonly DeviceStateEvent[];
}

const NOTHING: DeviceTransition = { changes: [], arrival: null, audit: [], events: [] };

export function planDeviceTransition(input: TransitionInput): DeviceTransition {
  const { intent } = input;
  switch (intent.kind) {
    case "register":
      return register(input, intent);
    case "reset":
      return leave(input, [intent.deviceId], "RESET", "RESET");
    case "credentials_reused":
      return leave(input, [intent.deviceId], "DEACTIVATED", "CREDENTIALS_REUSED", intent.details);
    case "disable":
      if (input.user.disabled) return NOTHING;
      return withUserRecord(
        userRecord(input, "user.disabled", "USER_DISABLED", {}),
        leave(input, liveIds(input.devices), "DEACTIVATED", "USER_DISABLED"),
      );
    case "enable":
      if (!input.user.disabled) return NOTHING;
      return withUserRecord(userRecord(input, "user.enabled", null, {}), NOTHING);
    case "delete":
      return erase(input);
  }
}

function liveIds(devices: readonly Device[]): string[] {
  return devices.filter((d) => isLive(d.state)).map((d) => d.id);
}

/** The live devices among `ids` move to state/reason; the others (already gone) stay. */
function leave(
  input: TransitionInput,
  ids: readonly string[],
  state: DeviceState,
  reason: StateReason,
  details: JsonObject = {},
): DeviceTransition {
  const moving = input.devices.filter((d) => ids.includes(d.id) && isLive(d.state));
  const changes = moving.map((d) => ({ deviceId: d.id, state, reason, at: input.at }));
  return {
    changes,
    arrival: null,
    audit: moving.map((d) => stateRecord(d, state, reason, input, details)),
    events: moving.map((d) => stateEvent(d, state, reason, input.at)),
  };
}

function register(
  input: TransitionInput,
  intent: Extract<DeviceIntent, { kind: "register" }>,
): DeviceTransition {
  const live = input.devices.filter((d) => isLive(d.state));
  const plan = planRegistration(intent.device.deviceType, live);
  const replaced = leave(input, plan.replacedDeviceIds, "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE");
  const device: Device = {
    ...intent.device,
    state: plan.newState,
    stateReason: plan.newReason,
    stateChangedAt: input.at,
  };
  const linked = userRecord(input, intent.userCreated ? "user.created" : "user.restored", null, {
    platform: device.platform,
    device_type: device.deviceType,
  });
  return {
    changes: replaced.changes,
    arrival: { device, credentials: intent.credentials },
    // The new device caused every change here, the replacements included.
    audit: [
      { ...linked, deviceId: device.id },
      ...replaced.audit,
      stateRecord(device, plan.newState, plan.newReason, input, {}),
    ],
    // The arrival is not announced: nobody watches a device that did not exist.
    events: replaced.events,
  };
}

function erase(input: TransitionInput): DeviceTransition {
  const live = input.devices.filter((d) => isLive(d.state));
  // Rule 8: the trail keeps no id of the user or their devices, only counts and the actor.
  const record: AuditEvent = {
    ...userRecord(input, "user.deleted", "USER_DELETED", {
      devices_removed: input.devices.length,
      devices_deactivated: live.length,
    }),
    userId: null,
  };
  return {
    changes: [],
    arrival: null,
    audit: [record],
    events: live.map((d) => stateEvent(d, "DEACTIVATED", "USER_DELETED", input.at)),
  };
}

function withUserRecord(record: AuditEvent, devices: DeviceTransition): DeviceTransition {
  return { ...devices, audit: [record, ...devices.audit] };
}

function userRecord(
  input: TransitionInput,
  kind: "user.created" | "user.restored" | "user.disabled" | "user.enabled" | "user.deleted",
  reason: StateReason | null,
  details: JsonObject,
): AuditEvent {
  const { user, at, actor } = input;
  return {
    appId: user.appId,
    userId: user.id,
    deviceId: null,
    kind,
    state: null,
    reason,
    details,
    occurredAt: at,
    actor,
  };
}

function stateRecord(
  device: Pick<Device, "id" | "userId" | "appId">,
  state: DeviceState,
  reason: StateReason,
  input: TransitionInput,
  details: JsonObject,
): AuditEvent {
  return {
    appId: device.appId,
    userId: device.userId,
    deviceId: device.id,
    kind: "device.state_changed",
    state,
    reason,
    details,
    occurredAt: input.at,
    actor: input.actor,
  };
}

function stateEvent(
  device: Pick<Device, "id" | "userId" | "appId">,
  state: DeviceState,
  reason: StateReason,
  at: Date,
): DeviceStateEvent {
  return {
    kind: "device_state",
    appId: device.appId,
    userId: device.userId,
    deviceId: device.id,
    state,
    reason,
    changedAt: at,
  };
}
