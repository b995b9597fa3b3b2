import type { Generated, Insertable, Selectable } from "kysely";
import type { AuditActorKind, AuditEvent, AuditEventKind } from "../../domain/audit.js";
import { newId } from "../../domain/ids.js";
import type { DeviceState, JsonObject, StateReason } from "../../domain/model.js";
import type { RecordedAuditEvent } from "../../ports/audit.js";
import type { Int8, Jsonb, Timestamp } from "./column-types.js";

/** The audit_events table as Kysely sees it, and its rows to AuditEvent and back. */

export interface AuditEventsTable {
  id: Generated<Int8>;
  app_id: string;
  user_id: string | null;
  device_id: string | null;
  kind: string;
  state: string | null;
  reason: string | null;
  details: Jsonb<JsonObject>;
  occurred_at: Timestamp;
  event_id: string;
  actor_kind: string;
  actor_id: string;
}

export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;

// The enum columns hold the domain strings and the CHECK constraints keep them to the
// known values, so the casts below only narrow what the database already guarantees.
export function auditEventFromRow(row: AuditEventRow): AuditEvent {
  return {
    appId: row.app_id,
    userId: row.user_id,
    deviceId: row.device_id,
    kind: row.kind as AuditEventKind,
    state: row.state as DeviceState | null,
    reason: row.reason as StateReason | null,
    details: row.details,
    occurredAt: row.occurred_at,
    actor: { kind: row.actor_kind as AuditActorKind, id: row.actor_id },
  };
}

export function recordedAuditEventFromRow(row: AuditEventRow): RecordedAuditEvent {
  return { id: row.event_id, ...auditEventFromRow(row) };
}

/** The last event id this process handed out; see nextEventId. */
let lastEventId = "";

/**
 * A UUIDv7 of `at` that sorts after every one this process made before in the same
 * millisecond (RFC 9562 §6.2, method 2: the random part of the previous id plus one),
 * so that events appended one after the other, in one statement or in two, list in
 * that order. Instances do not coordinate: theirs of one millisecond interleave.
 */
function nextEventId(at: Date): string {
  let id = newId(at);
  if (id.slice(0, 13) === lastEventId.slice(0, 13) && id <= lastEventId) {
    const hex = (BigInt(`0x${lastEventId.replace(/-/g, "")}`) + 1n).toString(16).padStart(32, "0");
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  lastEventId = id;
  return id;
}

/**
 * One append's rows, each with an id of its occurredAt's millisecond (nextEventId),
 * handed out in (occurredAt, append) order: events of one instant sort as appended.
 */
export function auditEventsToRows(events: readonly AuditEvent[]): NewAuditEventRow[] {
  const order = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.index - b.index);
  const rows: NewAuditEventRow[] = new Array(events.length);
  for (const { event, index } of order) {
    rows[index] = {
      event_id: nextEventId(event.occurredAt),
      app_id: event.appId,
      user_id: event.userId,
      device_id: event.deviceId,
      kind: event.kind,
      state: event.state,
      reason: event.reason,
      details: JSON.stringify(event.details),
      occurred_at: event.occurredAt,
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
    };
  }
  return rows;
}
