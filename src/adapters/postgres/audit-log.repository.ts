import type { Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { AuditLog } from "../../ports/audit.js";
import { auditEventFromRow, auditEventsToRows, recordedAuditEventFromRow } from "./audit-events.table.js";
import type { Database } from "./schema.js";

export function createAuditLog(db: Kysely<Database>): AuditLog {
  return {
    async append(events) {
      if (events.length === 0) return;
      await db.insertInto("audit_events").values(auditEventsToRows(events)).execute();
    },

    async listByUser(appId, userId) {
      if (!isId(appId) || !isId(userId)) return [];
      // The identity id breaks ties between events of one instant in append order.
      const rows = await db
        .selectFrom("audit_events")
        .selectAll()
        .where("app_id", "=", appId)
        .where("user_id", "=", userId)
        .orderBy("occurred_at", "asc")
        .orderBy("id", "asc")
        .execute();
      return rows.map(auditEventFromRow);
    },

    async list(appId, { userId }, { limit, afterId }) {
      if (!isId(appId) || (userId !== null && !isId(userId))) return [];
      // (app_id, event_id) serves the app's trail, (user_id, event_id) a user's.
      let query = db
        .selectFrom("audit_events")
        .selectAll()
        .where("app_id", "=", appId)
        .orderBy("event_id", "desc")
        .limit(limit);
      if (userId !== null) query = query.where("user_id", "=", userId);
      if (afterId !== null) query = query.where("event_id", "<", afterId);
      return (await query.execute()).map(recordedAuditEventFromRow);
    },
  };
}
