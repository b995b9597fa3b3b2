import type { Device, DeviceState, StateReason } from "../domain/model.js";
import type { DeviceEvent } from "../ports/device-event-bus.js";
import type { AuditActor, AuditEvent } from "../ports/store.js";

/** A device's move to a new state: announced on the bus and written to the audit trail. */
export interface StateChange {
  readonly device: Pick<Device, "id" | "userId" | "appId">;
  readonly state: DeviceState;
  readonly reason: StateReason;
  readonly at: Date;
}

export function toDeviceEvent(change: StateChange): DeviceEvent {
  return {
    kind: "device_state",
    appId: change.device.appId,
    userId: change.device.userId,
    deviceId: change.device.id,
    state: change.state,
    reason: change.reason,
    changedAt: change.at,
  };
}

export function toAuditEvent(change: StateChange, actor: AuditActor): AuditEvent {
  return {
    appId: change.device.appId,
    userId: change.device.userId,
    deviceId: change.device.id,
    kind: "device.state_changed",
    state: change.state,
    reason: change.reason,
    details: {},
    occurredAt: change.at,
    actor,
  };
}
