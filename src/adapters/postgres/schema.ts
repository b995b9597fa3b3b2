import type { ApiKeysTable } from "./api-keys.table.js";
import type { AppsTable } from "./apps.table.js";
import type { AuditEventsTable } from "./audit-events.table.js";
import type {
  DeviceCredentialsTable,
  RefreshTokenFamiliesTable,
  RetiredRefreshTokensTable,
} from "./credentials.table.js";
import type { DevicesTable } from "./devices.table.js";
import type { UsersTable } from "./users.table.js";

/**
 * The tables as Kysely sees them: snake_case, SQL types. Nothing here leaves the
 * adapter. Each table's interface and row mappers live in its <table>.table.ts, beside
 * its repository (as in kysely's example/ layout).
 */
export interface Database {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  devices: DevicesTable;
  device_credentials: DeviceCredentialsTable;
  retired_refresh_tokens: RetiredRefreshTokensTable;
  refresh_token_families: RefreshTokenFamiliesTable;
  audit_events: AuditEventsTable;
}
