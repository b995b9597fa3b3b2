import type { Kysely } from "kysely";
import { translatingErrors } from "../../src/adapters/postgres/pg-errors.js";
import { deviceToRow } from "../../src/adapters/postgres/devices.table.js";
import type { Database } from "../../src/adapters/postgres/schema.js";
import type { AuditEvent } from "../../src/domain/audit.js";
import type { DeviceTransition } from "../../src/domain/device-transitions.js";
import type { Device, DeviceCredentials, DeviceState, StateReason } from "../../src/domain/model.js";

/**
 * Device rows for tests to start from, in any state, written with SQL because the
 * DeviceRepository port has only the use cases' verb (applyTransition). Driver errors
 * are translated as the repositories' are, so the partial unique indexes answer
 * CONFLICT here as they would to a registration.
 */
export async function insertDevice(db: Kysely<Database>, device: Device): Promise<void> {
  await translatingErrors(() => db.insertInto("devices").values(deviceToRow(device)).execute());
}

/** A transition that only registers `device`, for tests that go through the port. */
export function arrivalOf(
  device: Device,
  credentials: DeviceCredentials,
  audit: readonly AuditEvent[],
): DeviceTransition {
  return { changes: [], arrival: { device, credentials }, audit, events: [] };
}

/** A transition that only moves the devices `ids` to `state`/`reason` as of `at`. */
export function movesOf(
  ids: readonly string[],
  state: DeviceState,
  reason: StateReason,
  at: Date,
): DeviceTransition {
  return {
    changes: ids.map((deviceId) => ({ deviceId, state, reason, at })),
    arrival: null,
    audit: [],
    events: [],
  };
}
