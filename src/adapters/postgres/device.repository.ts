import type { Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { AuditEvent } from "../../domain/audit.js";
import type { StateChange } from "../../domain/device-transitions.js";
import type { App, Device, DeviceCredentials, DeviceState, StateReason } from "../../domain/model.js";
import type { DeviceRepository } from "../../ports/devices.js";
import { appFromRow } from "./apps.table.js";
import { auditEventsToRows } from "./audit-events.table.js";
import { credentialsToRow } from "./credentials.table.js";
import { deviceFromRow, deviceToRow } from "./devices.table.js";
import type { Database } from "./schema.js";

export function createDeviceRepository(db: Kysely<Database>): DeviceRepository {
  return {
    ...createQueries(db),
    async applyTransition({ changes, arrival, audit }) {
      // One UPDATE per distinct (state, reason, time): a transition has one or two.
      const groups = new Map<string, StateChange[]>();
      for (const change of changes) {
        const key = `${change.state}|${change.reason}|${change.at.getTime()}`;
        groups.set(key, [...(groups.get(key) ?? []), change]);
      }
      for (const [first, ...rest] of groups.values()) {
        if (first === undefined) continue;
        const ids = [first, ...rest].map((c) => c.deviceId);
        await setState(db, ids, first.state, first.reason, first.at);
      }
      // Replaced devices leave before the arrival takes their slot in the unique index.
      if (arrival !== null) return register(db, arrival.device, arrival.credentials, audit);
      if (audit.length > 0) await db.insertInto("audit_events").values(auditEventsToRows(audit)).execute();
      return null;
    },
  };
}

/** The reads and the sighting; applyTransition above writes every state change. */
function createQueries(db: Kysely<Database>): Omit<DeviceRepository, "applyTransition"> {
  const newestFirst = (userId: string) =>
    db
      .selectFrom("devices")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc");

  return {
    async findById(id) {
      if (!isId(id)) return null;
      const row = await db.selectFrom("devices").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async findByIdForUpdate(id) {
      if (!isId(id)) return null;
      const row = await db
        .selectFrom("devices")
        .selectAll()
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async findByRegistrationCode(codeHash) {
      const row = await db
        .selectFrom("devices")
        .selectAll()
        .where("registration_code_hash", "=", codeHash)
        .executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async listByUser(userId) {
      if (!isId(userId)) return [];
      return (await newestFirst(userId).execute()).map(deviceFromRow);
    },

    async listLiveByUser(userId) {
      if (!isId(userId)) return [];
      const rows = await newestFirst(userId).where("state", "in", ["ACTIVE", "INACTIVE"]).execute();
      return rows.map(deviceFromRow);
    },

    async touchLastSeen(id, at, notAfter) {
      if (!isId(id)) return;
      await db
        .updateTable("devices")
        .set({ last_seen_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_seen_at", "is", null), eb("last_seen_at", "<", notAfter)]))
        .execute();
    },
  };
}

/**
 * A registration in one statement: the device, its credentials and the audit events of
 * its arrival (at least one); returns the device's app read by the same statement. A
 * second live device of one state violates a partial unique index, a reused code the
 * code's unique index: pg-errors turns both into CONFLICT, and nothing is written.
 */
async function register(
  db: Kysely<Database>,
  device: Device,
  credentials: DeviceCredentials,
  events: readonly AuditEvent[],
): Promise<App | null> {
  // Data-modifying CTEs: one round trip instead of four (three inserts and the app).
  // Each runs to completion though the SELECT reads none of them, and the
  // credentials' foreign key is checked at the end, when the device row exists.
  const app = await db
    .with("registered_device", (q) => q.insertInto("devices").values(deviceToRow(device)))
    .with("registered_credentials", (q) =>
      q.insertInto("device_credentials").values(credentialsToRow(credentials)),
    )
    .with("registered_events", (q) => q.insertInto("audit_events").values(auditEventsToRows(events)))
    .selectFrom("apps")
    .selectAll()
    .where("id", "=", device.appId)
    .executeTakeFirst();
  return app ? appFromRow(app) : null;
}

/** Moves the devices to `state`/`reason` as of `at`. */
async function setState(
  db: Kysely<Database>,
  ids: readonly string[],
  state: DeviceState,
  reason: StateReason,
  at: Date,
): Promise<void> {
  const valid = ids.filter(isId);
  if (valid.length === 0) return;
  await db
    .updateTable("devices")
    .set({ state, state_reason: reason, state_changed_at: at })
    .where("id", "in", valid)
    .execute();
}
