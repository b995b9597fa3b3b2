import { sql, type Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { DeviceRepository } from "../../ports/devices.js";
import { loopTurnLoader } from "./loop-turn-loader.js";
import { translatingErrors } from "./pg-errors.js";
import type { Database } from "./schema.js";

interface Sighting {
  readonly id: string;
  readonly at: Date;
  readonly notAfter: Date;
}

/**
 * `devices` with the sightings of one event-loop turn written by one UPDATE: a device
 * call whose device was last seen over a minute ago records it (LAST_USED_GRANULARITY_MS),
 * so with many devices calling now and then most calls carry one, and N of them cost
 * one round trip. Each row keeps its own rule: written only when its stored sighting is
 * older than that call's `notAfter`. Only outside transactions.
 */
export function batchingSightings(db: Kysely<Database>, devices: DeviceRepository): DeviceRepository {
  const loader = loopTurnLoader<Sighting, void>((sightings) => writeMany(db, sightings));
  return {
    ...devices,
    touchLastSeen: (id, at, notAfter) =>
      // A device id that is no id names no device: nothing to write.
      isId(id) ? loader.load({ id, at, notAfter }) : Promise.resolve(),
  };
}

async function writeMany(db: Kysely<Database>, sightings: readonly Sighting[]): Promise<void[]> {
  // One row per device: of two sightings of one device in a turn, the later one.
  const latest = new Map<string, Sighting>();
  for (const s of sightings) {
    const kept = latest.get(s.id);
    if (kept === undefined || kept.at < s.at) latest.set(s.id, s);
  }
  const rows = [...latest.values()].map(
    (s) => sql`(${s.id}::uuid, ${s.at}::timestamptz, ${s.notAfter}::timestamptz)`,
  );
  await translatingErrors(() =>
    sql`update devices as d set last_seen_at = v.at
        from (values ${sql.join(rows)}) as v(id, at, not_after)
        where d.id = v.id and (d.last_seen_at is null or d.last_seen_at < v.not_after)`.execute(db),
  );
  return sightings.map(() => undefined);
}
