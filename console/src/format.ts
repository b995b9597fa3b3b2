import {
  ApiKeyScope,
  AuditActorKind,
  AuditEventKind,
  DeviceState,
  DeviceType,
  Platform,
  StateReason,
} from "../../clients/web/src/index.js";

/** An enum value by its proto name without the type's prefix: STATE_REASON_USER_DISABLED → USER_DISABLED. */
function named(values: Record<number, string>, prefix: string) {
  return (value: number): string => {
    const name = values[value];
    if (name === undefined || name === "UNRECOGNIZED") return `unknown (${value})`;
    return name.startsWith(prefix) ? name.slice(prefix.length) : name;
  };
}

export const platformName = named(Platform, "PLATFORM_");
export const deviceTypeName = named(DeviceType, "DEVICE_TYPE_");
export const deviceStateName = named(DeviceState, "DEVICE_STATE_");
export const stateReasonName = named(StateReason, "STATE_REASON_");
export const scopeName = named(ApiKeyScope, "API_KEY_SCOPE_");
export const auditKindName = named(AuditEventKind, "AUDIT_EVENT_KIND_");
export const actorKindName = named(AuditActorKind, "AUDIT_ACTOR_KIND_");

/** The scopes a key can be given, in the contract's order. */
export const SCOPES: readonly ApiKeyScope[] = [
  ApiKeyScope.API_KEY_SCOPE_USER_LINK,
  ApiKeyScope.API_KEY_SCOPE_USER_READ,
  ApiKeyScope.API_KEY_SCOPE_USER_DELETE,
];

/** UTC, to the second: the same text whoever looks, and what the audit trail records. */
export function when(date: Date | undefined): string {
  if (date === undefined || date.getTime() === 0) return "—";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "none" for UNSPECIFIED, which the service sends when a state has no reason. */
export function reasonText(reason: StateReason): string {
  return reason === StateReason.STATE_REASON_UNSPECIFIED ? "—" : stateReasonName(reason);
}

export function seconds(duration: { seconds: string } | undefined): number | undefined {
  return duration === undefined ? undefined : Number(duration.seconds);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
