import type { ApiKeyRepository } from "./api-keys.js";
import type { AppRepository } from "./apps.js";
import type { AuditLog } from "./audit.js";
import type { CredentialRepository } from "./credentials.js";
import type { DeviceRepository } from "./devices.js";
import type { UserRepository } from "./users.js";

// One port per concept, each in its own file; re-exported so that callers of the store
// keep one import.
export type * from "./api-keys.js";
export type * from "./apps.js";
export type * from "./audit.js";
export type * from "./credentials.js";
export type * from "./devices.js";
export type * from "./page-query.js";
export type * from "./users.js";

/**
 * The relational store: apps, API keys, users, devices, credentials and the audit
 * trail. Implemented once with Kysely (adapters/postgres) over either a Postgres pool
 * or the embedded PGlite. Adapters translate driver errors into AppError:
 * unreachable → DEPENDENCY_UNAVAILABLE, serialization failure or deadlock → CONFLICT.
 */
export interface Store {
  /** Repositories outside any transaction: each call commits on its own. */
  readonly repos: Repositories;
  /**
   * Runs `work` in one transaction and commits when it resolves, rolls back when it
   * throws. Inside `work`, use only the `tx` repositories (the embedded database has a
   * single connection: a query outside `tx` would wait forever).
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Repositories {
  readonly apps: AppRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly users: UserRepository;
  readonly devices: DeviceRepository;
  readonly credentials: CredentialRepository;
  readonly audit: AuditLog;
}
