import { sql, type Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { AppRepository } from "../../ports/apps.js";
import { appFromRow, appToRow } from "./apps.table.js";
import type { Database } from "./schema.js";
import type { AppRowUpdate } from "./apps.table.js";

export function createAppRepository(db: Kysely<Database>): AppRepository {
  const findById: AppRepository["findById"] = async (id) => {
    if (!isId(id)) return null;
    const row = await db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? appFromRow(row) : null;
  };

  return {
    async insert(app) {
      await db.insertInto("apps").values(appToRow(app)).execute();
    },

    findById,

    async list({ limit, afterId }) {
      let query = db.selectFrom("apps").selectAll().orderBy("id", "asc").limit(limit);
      if (afterId !== null) query = query.where("id", ">", afterId);
      return (await query.execute()).map(appFromRow);
    },

    async update(id, changes) {
      if (!isId(id)) return null;
      const set: AppRowUpdate = {};
      if (changes.displayName !== undefined) set.display_name = changes.displayName;
      if (changes.authCodeTtlSeconds !== undefined) set.auth_code_ttl_seconds = changes.authCodeTtlSeconds;
      const { sdkConfig } = changes;
      if (Object.keys(set).length === 0 && sdkConfig === undefined) return findById(id);
      const row = await db
        .updateTable("apps")
        .set(set)
        // The bump happens in SQL so that two concurrent updates give two versions.
        .$if(sdkConfig !== undefined, (q) =>
          q.set({
            sdk_config: JSON.stringify(sdkConfig),
            config_version: sql<number>`config_version + 1`,
          }),
        )
        .set({ updated_at: sql<Date>`now()` })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row ? appFromRow(row) : null;
    },
  };
}
