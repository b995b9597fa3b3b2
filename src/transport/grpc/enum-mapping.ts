import type { ApiKeyScope, DeviceState, DeviceType, Platform, StateReason } from "../../domain/model.js";
import { API_KEY_SCOPES, DEVICE_STATES, DEVICE_TYPES, PLATFORMS, STATE_REASONS } from "../../domain/model.js";
import type { AuditActorKind, AuditEventKind } from "../../ports/store.js";
import {
  ApiKeyScope as ProtoScope,
  AuditActorKind as ProtoActorKind,
  AuditEventKind as ProtoEventKind,
  DeviceState as ProtoState,
  DeviceType as ProtoType,
  Platform as ProtoPlatform,
  StateReason as ProtoReason,
} from "../../gen/userlink/v1/types.js";

/**
 * Proto enums are `PREFIX_NAME` numbers; domain enums are `NAME` strings. The prefix
 * is the only difference, so one pair of functions maps every enum both ways.
 */
function enumMapping<D extends string>(
  protoEnum: Record<string, string | number>,
  prefix: string,
  names: readonly D[],
) {
  return {
    toProto(value: D): number {
      return protoEnum[`${prefix}${value}`] as number;
    },
    /** The proto's name for a domain value (`RESET` → `STATE_REASON_RESET`); null if not one. */
    protoName(value: string): string | null {
      return names.includes(value as D) ? `${prefix}${value}` : null;
    },
    /** Null for the zero value, unknown numbers, and anything not in `names`. */
    fromProto(value: number): D | null {
      const name = protoEnum[value];
      if (typeof name !== "string" || !name.startsWith(prefix)) return null;
      const short = name.slice(prefix.length) as D;
      return names.includes(short) ? short : null;
    },
  };
}

export const platforms = enumMapping<Platform>(ProtoPlatform, "PLATFORM_", PLATFORMS);
export const deviceTypes = enumMapping<DeviceType>(ProtoType, "DEVICE_TYPE_", DEVICE_TYPES);
export const deviceStates = enumMapping<DeviceState>(ProtoState, "DEVICE_STATE_", DEVICE_STATES);
export const stateReasons = enumMapping<StateReason>(ProtoReason, "STATE_REASON_", STATE_REASONS);
export const scopes = enumMapping<ApiKeyScope>(ProtoScope, "API_KEY_SCOPE_", API_KEY_SCOPES);
export const auditActorKinds = enumMapping<AuditActorKind>(ProtoActorKind, "AUDIT_ACTOR_KIND_", [
  "API_KEY",
  "ADMIN",
  "DEVICE",
  "SYSTEM",
]);

/**
 * Audit kinds are `area.what` in the domain (`api_key.rotated`) and
 * AUDIT_EVENT_KIND_AREA_WHAT in the proto: the same words, so a kind added to both
 * maps without a table. One the proto lacks goes out as UNSPECIFIED, never as a lie.
 */
export const auditEventKinds = {
  toProto(kind: AuditEventKind): number {
    const value = ProtoEventKind[`AUDIT_EVENT_KIND_${kind.toUpperCase().replace(".", "_")}` as never];
    return typeof value === "number" ? value : ProtoEventKind.AUDIT_EVENT_KIND_UNSPECIFIED;
  },
};
