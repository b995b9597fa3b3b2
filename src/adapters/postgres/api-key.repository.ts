import { sql, type Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { ApiKeyRepository } from "../../ports/api-keys.js";
import { apiKeyFromRow, apiKeyToRow } from "./api-keys.table.js";
import { appFromPrefixedRow, PREFIXED_APP_COLUMNS } from "./apps.table.js";
import { toNumber } from "./column-types.js";
import type { Database } from "./schema.js";

export function createApiKeyRepository(db: Kysely<Database>): ApiKeyRepository {
  return {
    async insert(key) {
      await db.insertInto("api_keys").values(apiKeyToRow(key)).execute();
    },

    async findById(id) {
      if (!isId(id)) return null;
      const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? apiKeyFromRow(row) : null;
    },

    async findByIdWithApp(id) {
      if (!isId(id)) return null;
      const row = await db
        .selectFrom("api_keys")
        .innerJoin("apps", "apps.id", "api_keys.app_id")
        .selectAll("api_keys")
        .select(PREFIXED_APP_COLUMNS)
        .where("api_keys.id", "=", id)
        .executeTakeFirst();
      return row ? { key: apiKeyFromRow(row), app: appFromPrefixedRow(row) } : null;
    },

    async listByApp(appId, { limit, afterId }) {
      if (!isId(appId)) return [];
      let query = db
        .selectFrom("api_keys")
        .selectAll()
        .where("app_id", "=", appId)
        .orderBy("id", "desc")
        .limit(limit);
      if (afterId !== null) query = query.where("id", "<", afterId);
      return (await query.execute()).map(apiKeyFromRow);
    },

    async countActive(appId, now) {
      if (!isId(appId)) return 0;
      const { count } = await db
        .selectFrom("api_keys")
        .select((eb) => eb.fn.countAll<string | number | bigint>().as("count"))
        .where("app_id", "=", appId)
        .where("revoked_at", "is", null)
        .where("replaced_by_key_id", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirstOrThrow();
      return toNumber(count);
    },

    async lockApp(appId) {
      if (!isId(appId)) return false;
      const row = await db
        .selectFrom("apps")
        .select("id")
        .where("id", "=", appId)
        .forUpdate()
        .executeTakeFirst();
      return row !== undefined;
    },

    async revoke(id, at) {
      if (!isId(id)) return null;
      const row = await db
        .updateTable("api_keys")
        // A second revocation keeps the first date.
        .set({ revoked_at: sql<Date>`coalesce(revoked_at, ${at})` })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row ? apiKeyFromRow(row) : null;
    },

    async markRotated(id, replacedByKeyId, expiresAt) {
      if (!isId(id)) return null;
      const row = await db
        .updateTable("api_keys")
        .set({
          replaced_by_key_id: replacedByKeyId,
          // Rotation only ever shortens a key's life.
          expires_at: sql<Date>`least(expires_at, ${expiresAt})`,
        })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row ? apiKeyFromRow(row) : null;
    },

    async touchLastUsed(id, at, notAfter) {
      if (!isId(id)) return;
      // The condition lives in the WHERE so that a busy key is written at most once per
      // interval, however many requests race.
      await db
        .updateTable("api_keys")
        .set({ last_used_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", notAfter)]))
        .execute();
    },
  };
}
