import type { Kysely } from "kysely";
import { AppError } from "../../domain/errors.js";
import { isId } from "../../domain/ids.js";
import type { UserRepository } from "../../ports/store.js";
import { inTransaction } from "./in-transaction.js";
import { userFromRow, userToRow } from "./row-mappers.js";
import type { Database } from "./schema.js";

/** Insert-or-select rounds before giving up: each lost round needs a concurrent delete. */
const MAX_ATTEMPTS = 3;

export function createUserRepository(db: Kysely<Database>): UserRepository {
  return {
    async findOrCreateForUpdate(candidate) {
      // ON CONFLICT DO NOTHING waits for a concurrent inserter of the same external id
      // and then yields nothing; the SELECT then sees the winner's committed row (READ
      // COMMITTED takes a new snapshot per statement). The loop covers the rare case of
      // the winner's user being deleted in between: the next insert then succeeds.
      for (let attempt = 1; ; attempt++) {
        const inserted = await db
          .insertInto("users")
          .values(userToRow(candidate))
          .onConflict((oc) => oc.columns(["app_id", "external_user_id"]).doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted) return { user: userFromRow(inserted), created: true };
        const existing = await db
          .selectFrom("users")
          .selectAll()
          .where("app_id", "=", candidate.appId)
          .where("external_user_id", "=", candidate.externalUserId)
          .forUpdate()
          .executeTakeFirst();
        if (existing) return { user: userFromRow(existing), created: false };
        if (attempt === MAX_ATTEMPTS) throw new AppError("CONFLICT", "the user changed under us; retry");
      }
    },

    async findByIdForUpdate(appId, id) {
      if (!isId(appId) || !isId(id)) return null;
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async findById(appId, id) {
      if (!isId(appId) || !isId(id)) return null;
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .where("id", "=", id)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async findByExternalId(appId, externalUserId) {
      if (!isId(appId)) return null;
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .where("external_user_id", "=", externalUserId)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async list(appId, { limit, afterId }) {
      if (!isId(appId)) return [];
      let query = db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .orderBy("id", "asc")
        .limit(limit);
      if (afterId !== null) query = query.where("id", ">", afterId);
      return (await query.execute()).map(userFromRow);
    },

    async setDisabled(appId, id, disabled) {
      if (!isId(appId) || !isId(id)) return null;
      const row = await db
        .updateTable("users")
        .set({ disabled })
        .where("app_id", "=", appId)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async delete(appId, id) {
      if (!isId(appId) || !isId(id)) return false;
      return inTransaction(db, async (trx) => {
        // Devices, their credentials and retired tokens go with the user (ON DELETE
        // CASCADE); the audit trail has no foreign keys, so its rows go by hand.
        const deleted = await trx
          .deleteFrom("users")
          .where("app_id", "=", appId)
          .where("id", "=", id)
          .executeTakeFirst();
        if (deleted.numDeletedRows === 0n) return false;
        await trx.deleteFrom("audit_events").where("app_id", "=", appId).where("user_id", "=", id).execute();
        return true;
      });
    },
  };
}
