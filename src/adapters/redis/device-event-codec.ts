import { DEVICE_STATES, STATE_REASONS, type DeviceState, type StateReason } from "../../domain/model.js";
import type { DeviceEvent } from "../../ports/device-event-bus.js";

/** One event as JSON, `changedAt` as an ISO string. */
export function encodeDeviceEvent(event: DeviceEvent): string {
  return JSON.stringify({ ...event, changedAt: event.changedAt.toISOString() });
}

/**
 * Parses what another instance published, or throws: anyone who can PUBLISH on the
 * channel could send anything, and listeners rely on the types.
 */
export function decodeDeviceEvent(text: string): DeviceEvent {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null) throw new Error("device event is not an object");
  const v = value as Record<string, unknown>;
  const changedAt = new Date(typeof v.changedAt === "string" ? v.changedAt : Number.NaN);
  if (Number.isNaN(changedAt.getTime())) throw new Error("device event has no valid changedAt");
  const appId = requireText(v.appId, "appId");
  if (v.kind === "device_state") {
    return {
      kind: "device_state",
      appId,
      userId: requireText(v.userId, "userId"),
      deviceId: requireText(v.deviceId, "deviceId"),
      state: oneOf<DeviceState>(v.state, DEVICE_STATES, "state"),
      reason: oneOf<StateReason>(v.reason, STATE_REASONS, "reason"),
      changedAt,
    };
  }
  if (v.kind === "app_config") {
    if (!Number.isSafeInteger(v.configVersion)) throw new Error("device event has no valid configVersion");
    return { kind: "app_config", appId, configVersion: v.configVersion as number, changedAt };
  }
  throw new Error(`unknown device event kind ${String(v.kind)}`);
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`device event has no valid ${field}`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw new Error(`device event has no valid ${field}`);
  return value as T;
}
