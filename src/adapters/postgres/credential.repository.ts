import { sql, type Kysely } from "kysely";
import { isId } from "../../domain/ids.js";
import type { StoredTokens } from "../../domain/credentials.js";
import type { CredentialLookup, CredentialRepository } from "../../ports/credentials.js";
import { inTransaction } from "./in-transaction.js";
import { appFromPrefixedRow, PREFIXED_APP_COLUMNS } from "./apps.table.js";
import { toNumber } from "./column-types.js";
import { credentialsFromRow, credentialsToRow } from "./credentials.table.js";
import { deviceFromRow } from "./devices.table.js";
import type { Database } from "./schema.js";

/**
 * What every device call needs from its access token, in one round trip: the
 * credentials, their device and the device's app. Credentials and device share no column
 * name, so both are selected whole; the app's columns are renamed. Narrow it with a
 * `where` on `device_credentials.access_token_hash` (one hash, or many for a batch).
 */
export function credentialLookups(db: Kysely<Database>) {
  return db
    .selectFrom("device_credentials")
    .innerJoin("devices", "devices.id", "device_credentials.device_id")
    .innerJoin("apps", "apps.id", "devices.app_id")
    .selectAll("devices")
    .selectAll("device_credentials")
    .select(PREFIXED_APP_COLUMNS);
}

type CredentialLookupRow = Awaited<
  ReturnType<ReturnType<typeof credentialLookups>["executeTakeFirstOrThrow"]>
>;

export function lookupFromRow(row: CredentialLookupRow): CredentialLookup {
  return { credentials: credentialsFromRow(row), device: deviceFromRow(row), app: appFromPrefixedRow(row) };
}

export function createCredentialRepository(db: Kysely<Database>): CredentialRepository {
  return {
    async put(credentials) {
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto("device_credentials")
          .values(credentialsToRow(credentials))
          .onConflict((oc) => oc.column("device_id").doUpdateSet(tokenColumns(credentials)))
          .execute();
        // A new family: the replaced one's tokens no longer name the device.
        await trx
          .deleteFrom("refresh_token_families")
          .where("device_id", "=", credentials.deviceId)
          .execute();
      });
    },

    async findByAccessTokenHash(hash) {
      const row = await credentialLookups(db)
        .where("device_credentials.access_token_hash", "=", hash)
        .executeTakeFirst();
      return row ? lookupFromRow(row) : null;
    },

    async rotate(oldRefreshHash, next, rotation = { familyHash: null, requestId: null }) {
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
        // One row per device, overwritten on every rotation: this is what keeps reuse
        // detection from growing a table (docs/credentials.md).
        await trx
          .insertInto("refresh_token_families")
          .values({
            device_id: swapped.device_id,
            family_hash: rotation.familyHash,
            generation: 1,
            rotated_at: next.issuedAt,
            previous_refresh_token_hash: oldRefreshHash,
            previous_request_id: rotation.requestId,
          })
          .onConflict((oc) =>
            oc.column("device_id").doUpdateSet((eb) => ({
              family_hash: eb.ref("excluded.family_hash"),
              generation: sql<number>`refresh_token_families.generation + 1`,
              rotated_at: eb.ref("excluded.rotated_at"),
              previous_refresh_token_hash: eb.ref("excluded.previous_refresh_token_hash"),
              previous_request_id: eb.ref("excluded.previous_request_id"),
            })),
          )
          .execute();
        return deviceOf(trx, swapped.device_id);
      });
    },

    async retryRotation(oldRefreshHash, requestId, notBefore, next) {
      return inTransaction(db, async (trx) => {
        const family = await trx
          .selectFrom("refresh_token_families")
          .select("device_id")
          .where("previous_refresh_token_hash", "=", oldRefreshHash)
          .executeTakeFirst();
        if (!family) return null;
        // The credentials row first, as rotate takes it: no deadlock with a concurrent
        // rotation, and none can slip in between the check and the swap below.
        const locked = await trx
          .selectFrom("device_credentials")
          .select("device_id")
          .where("device_id", "=", family.device_id)
          .forUpdate()
          .executeTakeFirst();
        if (!locked) return null;
        const bumped = await trx
          .updateTable("refresh_token_families")
          .set({ generation: sql<number>`generation + 1` })
          .where("device_id", "=", family.device_id)
          .where("previous_refresh_token_hash", "=", oldRefreshHash)
          .where("previous_request_id", "=", requestId)
          .where("rotated_at", ">=", notBefore)
          .returning("device_id")
          .executeTakeFirst();
        if (!bumped) return null;
        await trx
          .updateTable("device_credentials")
          .set(tokenColumns(next))
          .where("device_id", "=", family.device_id)
          .execute();
        return deviceOf(trx, family.device_id);
      });
    },

    async findRetiredRefreshToken(hash) {
      const row = await db
        .selectFrom("refresh_token_families")
        .innerJoin("devices", "devices.id", "refresh_token_families.device_id")
        .selectAll("devices")
        .select(["refresh_token_families.rotated_at", "refresh_token_families.previous_request_id"])
        .where("refresh_token_families.previous_refresh_token_hash", "=", hash)
        .executeTakeFirst();
      if (row) {
        return { device: deviceFromRow(row), retiredAt: row.rotated_at, requestId: row.previous_request_id };
      }
      // Tokens rotated before token families existed (read only since 20261202).
      const legacy = await db
        .selectFrom("retired_refresh_tokens")
        .innerJoin("devices", "devices.id", "retired_refresh_tokens.device_id")
        .selectAll("devices")
        .select("retired_refresh_tokens.retired_at")
        .where("retired_refresh_tokens.refresh_token_hash", "=", hash)
        .executeTakeFirst();
      return legacy
        ? { device: deviceFromRow(legacy), retiredAt: new Date(legacy.retired_at), requestId: null }
        : null;
    },

    async findRefreshFamily(familyHash) {
      const row = await db
        .selectFrom("refresh_token_families")
        .innerJoin("devices", "devices.id", "refresh_token_families.device_id")
        .selectAll("devices")
        .select("refresh_token_families.generation")
        .where("refresh_token_families.family_hash", "=", familyHash)
        .executeTakeFirst();
      return row ? { device: deviceFromRow(row), generation: toNumber(row.generation) } : null;
    },

    async revoke(deviceId) {
      if (!isId(deviceId)) return;
      // The family and retired tokens stay: a stolen old refresh token must still be
      // recognised.
      await db.deleteFrom("device_credentials").where("device_id", "=", deviceId).execute();
    },
  };
}

/** The columns a new set of tokens replaces (the device stays the row's own). */
/** The token columns only: a rotation keeps the row's device. */
function tokenColumns(tokens: StoredTokens) {
  return {
    access_token_hash: tokens.accessTokenHash,
    access_token_expires_at: tokens.accessTokenExpiresAt,
    refresh_token_hash: tokens.refreshTokenHash,
    issued_at: tokens.issuedAt,
  };
}

async function deviceOf(db: Kysely<Database>, id: string) {
  return deviceFromRow(
    await db.selectFrom("devices").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
  );
}
