import type { Insertable, Selectable, Updateable } from "kysely";
import type { App, JsonObject } from "../../domain/model.js";
import { toNumber, type Int8, type Jsonb, type Timestamp } from "./column-types.js";

/** The apps table as Kysely sees it, and its rows to App and back. */

export interface AppsTable {
  id: string;
  display_name: string;
  sdk_config: Jsonb<JsonObject>;
  config_version: Int8;
  auth_code_ttl_seconds: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AppRow = Selectable<AppsTable>;
export type NewAppRow = Insertable<AppsTable>;
export type AppRowUpdate = Updateable<AppsTable>;

export function appFromRow(row: AppRow): App {
  return {
    id: row.id,
    displayName: row.display_name,
    sdkConfig: row.sdk_config,
    configVersion: toNumber(row.config_version),
    authCodeTtlSeconds: row.auth_code_ttl_seconds,
    createdAt: row.created_at,
  };
}

/**
 * The app's columns renamed `app_*`, for queries that join apps to a table whose own
 * `id` and `created_at` would otherwise collide; `appFromPrefixedRow` reads them back.
 */
export const PREFIXED_APP_COLUMNS = [
  "apps.display_name as app_display_name",
  "apps.sdk_config as app_sdk_config",
  "apps.config_version as app_config_version",
  "apps.auth_code_ttl_seconds as app_auth_code_ttl_seconds",
  "apps.created_at as app_created_at",
  "apps.updated_at as app_updated_at",
] as const;

export function appFromPrefixedRow(row: {
  app_id: string;
  app_display_name: string;
  app_sdk_config: AppRow["sdk_config"];
  app_config_version: AppRow["config_version"];
  app_auth_code_ttl_seconds: number;
  app_created_at: Date;
  app_updated_at: Date;
}): App {
  return appFromRow({
    id: row.app_id,
    display_name: row.app_display_name,
    sdk_config: row.app_sdk_config,
    config_version: row.app_config_version,
    auth_code_ttl_seconds: row.app_auth_code_ttl_seconds,
    created_at: row.app_created_at,
    updated_at: row.app_updated_at,
  });
}

export function appToRow(app: App): NewAppRow {
  return {
    id: app.id,
    display_name: app.displayName,
    sdk_config: JSON.stringify(app.sdkConfig),
    config_version: app.configVersion,
    auth_code_ttl_seconds: app.authCodeTtlSeconds,
    created_at: app.createdAt,
    updated_at: app.createdAt,
  };
}
