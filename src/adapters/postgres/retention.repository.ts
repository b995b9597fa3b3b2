import { sql, type Kysely } from "kysely";
import type { RemovedRows, RetentionStore } from "../../ports/retention.js";
import { translatingErrors } from "./pg-errors.js";
import type { Database } from "./schema.js";

/** The janitor's advisory lock: one key for every userlink instance ("userln" in ASCII). */
export const JANITOR_LOCK_KEY = 0x75_73_65_72_6c_6e;

export interface RetentionOptions {
  /**
   * True on PGlite: its one connection is shared by every query, so the lock cannot sit
   * on a connection of its own (a second one does not exist, and holding the only one
   * would stop the service). The lock is then taken on that shared session, where it is
   * re-entrant: an in-process flag keeps two passes of this process apart, and no other
   * process opens the embedded database.
   */
  readonly singleSession: boolean;
}

export function createRetentionStore(db: Kysely<Database>, options: RetentionOptions): RetentionStore {
  let running = false;
  const lockSql = sql<{
    locked: boolean;
  }>`select pg_try_advisory_lock(${sql.lit(JANITOR_LOCK_KEY)}) as locked`;
  const unlockSql = sql`select pg_advisory_unlock(${sql.lit(JANITOR_LOCK_KEY)})`;

  async function holding<T>(conn: Kysely<Database>, work: () => Promise<T>): Promise<{ value: T } | null> {
    const { rows } = await lockSql.execute(conn);
    if (rows[0]?.locked !== true) return null;
    try {
      return { value: await work() };
    } finally {
      await unlockSql.execute(conn);
    }
  }

  return {
    async exclusively(work) {
      if (running) return null;
      running = true;
      try {
        return await translatingErrors(() =>
          options.singleSession
            ? holding(db, work)
            : // A session-level lock lives on its connection: that one stays reserved for
              // the pass (and a broken connection frees the lock with its session), while
              // the batches run on the rest of the pool.
              db.connection().execute((conn) => holding(conn, work)),
        );
      } finally {
        running = false;
      }
    },

    async removeAuditEvents(cutoff, limit) {
      const result = await translatingErrors(() =>
        db
          .deleteFrom("audit_events")
          .where("id", "in", (eb) =>
            eb
              .selectFrom("audit_events")
              .select("id")
              .where("occurred_at", "<", cutoff)
              .orderBy("occurred_at")
              .limit(limit),
          )
          .executeTakeFirst(),
      );
      return { audit_events: Number(result.numDeletedRows) };
    },

    async removeDepartedDevices(cutoff, limit) {
      return translatingErrors(() =>
        db.transaction().execute(async (trx) => {
          // SKIP LOCKED: a device some call holds right now waits for the next batch.
          const ids = (
            await trx
              .selectFrom("devices")
              .select("id")
              // Literals, not parameters: a generic plan can then use the partial index.
              .where(sql<boolean>`state in ('DEACTIVATED', 'RESET')`)
              .where("state_changed_at", "<", cutoff)
              .orderBy("state_changed_at")
              .limit(limit)
              .forUpdate()
              .skipLocked()
              .execute()
          ).map((row) => row.id);
          if (ids.length === 0) return {};
          // The cascade would remove these too; explicit deletes count them.
          const count = async (
            table: "device_credentials" | "refresh_token_families" | "retired_refresh_tokens",
          ) =>
            Number(
              (await trx.deleteFrom(table).where("device_id", "in", ids).executeTakeFirst()).numDeletedRows,
            );
          const removed: Record<string, number> = {
            device_credentials: await count("device_credentials"),
            refresh_token_families: await count("refresh_token_families"),
            retired_refresh_tokens: await count("retired_refresh_tokens"),
          };
          const devices = await trx.deleteFrom("devices").where("id", "in", ids).executeTakeFirst();
          return { ...removed, devices: Number(devices.numDeletedRows) } as RemovedRows;
        }),
      );
    },

    async removeDeadApiKeys(cutoff, limit) {
      const result = await translatingErrors(() =>
        db
          .deleteFrom("api_keys")
          .where("id", "in", (eb) =>
            eb
              .selectFrom("api_keys")
              .select("id")
              .where((w) => w.or([w("revoked_at", "<", cutoff), w("expires_at", "<", cutoff)]))
              .limit(limit),
          )
          .executeTakeFirst(),
      );
      return { api_keys: Number(result.numDeletedRows) };
    },
  };
}
