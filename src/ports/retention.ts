/** The tables the janitor removes rows from; the metric's `table` label. */
export type RetainedTable =
  | "audit_events"
  | "devices"
  | "device_credentials"
  | "refresh_token_families"
  | "retired_refresh_tokens"
  | "api_keys";

export type RemovedRows = Readonly<Partial<Record<RetainedTable, number>>>;

/**
 * Removal of what is past retention, in small batches, each its own short transaction
 * (no lock is held for longer than one batch), and the lock that keeps the janitor to
 * one instance at a time.
 */
export interface RetentionStore {
  /**
   * Runs `work` holding the janitor lock that every instance on this database shares
   * (a Postgres advisory lock); resolves to null without running it when another pass
   * holds the lock.
   */
  exclusively<T>(work: () => Promise<T>): Promise<{ value: T } | null>;
  /** Removes up to `limit` audit events that occurred before `cutoff`, oldest first. */
  removeAuditEvents(cutoff: Date, limit: number): Promise<RemovedRows>;
  /**
   * Removes up to `limit` DEACTIVATED or RESET devices that left before `cutoff`, with
   * their credentials, token family and retired tokens.
   */
  removeDepartedDevices(cutoff: Date, limit: number): Promise<RemovedRows>;
  /** Removes up to `limit` API keys revoked or expired before `cutoff`. */
  removeDeadApiKeys(cutoff: Date, limit: number): Promise<RemovedRows>;
}
