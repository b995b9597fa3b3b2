import type { Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { DeviceCredentials } from "../../domain/model.js";
import type { CredentialRepository } from "../../ports/store.js";
import { inTransaction } from "./in-transaction.js";
import {
  appFromPrefixedRow,
  credentialsFromRow,
  credentialsToRow,
  deviceFromRow,
  PREFIXED_APP_COLUMNS,
} from "./row-mappers.js";
import type { Database } from "./schema.js";

export function createCredentialRepository(db: Kysely<Database>): CredentialRepository {
  return {
    async put(credentials) {
      await db
        .insertInto("device_credentials")
        .values(credentialsToRow(credentials))
        .onConflict((oc) => oc.column("device_id").doUpdateSet(tokenColumns(credentials)))
        .execute();
    },

    async findByAccessTokenHash(hash) {
      // One round trip for what every device call needs: credentials and device share no
      // column name, so both are selected whole; the app's columns are renamed.
      const row = await db
        .selectFrom("device_credentials")
        .innerJoin("devices", "devices.id", "device_credentials.device_id")
        .innerJoin("apps", "apps.id", "devices.app_id")
        .selectAll("devices")
        .selectAll("device_credentials")
        .select(PREFIXED_APP_COLUMNS)
        .where("device_credentials.access_token_hash", "=", hash)
        .executeTakeFirst();
      if (!row) return null;
      return {
        credentials: credentialsFromRow(row),
        device: deviceFromRow(row),
        app: appFromPrefixedRow(row),
      };
    },

    async rotate(oldRefreshHash, next) {
      return inTransaction(db, async (trx) => {
        // The WHERE on the old hash is the whole race: concurrent callers queue on the
        // row lock, and once the winner commits the losers re-check the WHERE against
        // the new hash and update nothing. The device is the row's, not `next`'s.
        const swapped = await trx
          .updateTable("device_credentials")
          .set(tokenColumns(next))
          .where("refresh_token_hash", "=", oldRefreshHash)
          .returning("device_id")
          .executeTakeFirst();
        if (!swapped) return null;
        await trx
          .insertInto("retired_refresh_tokens")
          .values({
            refresh_token_hash: oldRefreshHash,
            device_id: swapped.device_id,
            retired_at: next.issuedAt,
          })
          .execute();
        const device = await trx
          .selectFrom("devices")
          .selectAll()
          .where("id", "=", swapped.device_id)
          .executeTakeFirstOrThrow();
        return deviceFromRow(device);
      });
    },

    async findRetiredRefreshToken(hash) {
      const row = await db
        .selectFrom("retired_refresh_tokens")
        .innerJoin("devices", "devices.id", "retired_refresh_tokens.device_id")
        .selectAll("devices")
        .select("retired_refresh_tokens.retired_at")
        .where("retired_refresh_tokens.refresh_token_hash", "=", hash)
        .executeTakeFirst();
      return row ? { device: deviceFromRow(row), retiredAt: new Date(row.retired_at) } : null;
    },

    async revoke(deviceId) {
      if (!isId(deviceId)) return;
      // Retired tokens stay: a stolen old refresh token must still be recognised.
      await db.deleteFrom("device_credentials").where("device_id", "=", deviceId).execute();
    },
  };
}

/** The columns a new set of tokens replaces (the device stays the row's own). */
function tokenColumns(credentials: DeviceCredentials) {
  const { device_id: _deviceId, ...tokens } = credentialsToRow(credentials);
  return tokens;
}
