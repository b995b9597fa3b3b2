import type { Insertable, Selectable, Updateable } from "kysely";
import type { ApiKey, ApiKeyScope } from "../../domain/model.js";
import type { Timestamp } from "./column-types.js";

/** The api_keys table as Kysely sees it, and its rows to ApiKey and back. */

export interface ApiKeysTable {
  id: string;
  app_id: string;
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Date | null;
  last_used_at: Date | null;
  replaced_by_key_id: string | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
export type ApiKeyRowUpdate = Updateable<ApiKeysTable>;

// scopes hold the domain strings apiKeyToRow wrote (no other writer), so the cast only
// narrows what was written.
export function apiKeyFromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    scopes: row.scopes as ApiKeyScope[],
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    replacedByKeyId: row.replaced_by_key_id,
  };
}

export function apiKeyToRow(key: ApiKey): NewApiKeyRow {
  return {
    id: key.id,
    app_id: key.appId,
    name: key.name,
    scopes: [...key.scopes],
    secret_hash: key.secretHash,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    last_used_at: key.lastUsedAt,
    replaced_by_key_id: key.replacedByKeyId,
  };
}
