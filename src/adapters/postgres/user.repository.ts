import { sql, type Kysely } from "kysely";
import { AppError } from "../../domain/errors.js";
import { isId } from "../../domain/ids.js";
import type { UserRepository } from "../../ports/users.js";
import { inTransaction } from "./in-transaction.js";
import { userFromRow, userToRow } from "./users.table.js";
import type { Database } from "./schema.js";

export function createUserRepository(db: Kysely<Database>): UserRepository {
  const selectById = (appId: string, id: string) =>
    db.selectFrom("users").selectAll().where("app_id", "=", appId).where("id", "=", id);

  return {
    async findOrCreateForUpdate(candidate) {
      // One statement, one round trip: ON CONFLICT DO UPDATE (of nothing: `disabled` is
      // set to itself) waits for a concurrent inserter or locker of the same external id,
      // then locks the committed row and returns it; a row deleted meanwhile makes it
      // insert after all. xmax is 0 only on a row this statement inserted.
      const row = await db
        .insertInto("users")
        .values(userToRow(candidate))
        .onConflict((oc) =>
          oc.columns(["app_id", "external_user_id"]).doUpdateSet({ disabled: sql.ref("users.disabled") }),
        )
        .returningAll()
        .returning(sql<boolean>`xmax = 0`.as("inserted"))
        .executeTakeFirst();
      if (!row) throw new AppError("CONFLICT", "the user changed under us; retry");
      return { user: userFromRow(row), created: row.inserted };
    },

    async findByIdForUpdate(appId, id) {
      if (!isId(appId) || !isId(id)) return null;
      const row = await selectById(appId, id).forUpdate().executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async findById(appId, id) {
      if (!isId(appId) || !isId(id)) return null;
      const row = await selectById(appId, id).executeTakeFirst();
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

    async list(appId, { limit, afterId }, filter = {}) {
      if (!isId(appId)) return [];
      let query = db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .orderBy("id", "asc")
        .limit(limit);
      if (afterId !== null) query = query.where("id", ">", afterId);
      const prefix = filter.externalIdPrefix ?? "";
      if (prefix !== "") {
        // A LIKE with a literal prefix: users_app_id_external_user_id_prefix_idx
        // (text_pattern_ops) serves it. The wildcards and the escape are escaped.
        query = query.where("external_user_id", "like", `${prefix.replace(/[\\%_]/g, "\\$&")}%`);
      }
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
