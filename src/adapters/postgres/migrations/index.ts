import type { Migration, MigrationProvider } from "kysely";
import * as appsAndApiKeys from "./20261124T000100_apps_and_api_keys.js";
import * as usersAndDevices from "./20261124T000200_users_and_devices.js";
import * as deviceCredentials from "./20261124T000300_device_credentials.js";
import * as auditEvents from "./20261124T000400_audit_events.js";
import * as refreshFamiliesAndRetention from "./20261202T000100_refresh_families_and_retention.js";
import * as adminReads from "./20261202T000200_admin_reads.js";

/**
 * Every migration, by name. Static imports rather than FileMigrationProvider: the
 * latter cannot load .ts files under vitest on Node 20, and a bundle has no folder to
 * read. Add a new migration here; names sort by their timestamp.
 */
const MIGRATIONS: Record<string, Migration> = {
  "20261124T000100_apps_and_api_keys": appsAndApiKeys,
  "20261124T000200_users_and_devices": usersAndDevices,
  "20261124T000300_device_credentials": deviceCredentials,
  "20261124T000400_audit_events": auditEvents,
  "20261202T000100_refresh_families_and_retention": refreshFamiliesAndRetention,
  "20261202T000200_admin_reads": adminReads,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
