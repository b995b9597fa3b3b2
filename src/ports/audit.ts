import type { AuditEvent } from "../domain/audit.js";
import type { PageQuery } from "./page-query.js";

// The audit records are the domain's (the device transitions write them).
export type { AuditActor, AuditActorKind, AuditEvent, AuditEventKind } from "../domain/audit.js";

/**
 * An event as the trail keeps it: with the id given on append, a UUIDv7 of its
 * occurredAt; ids of one append ascend in append order, so they sort as time does.
 */
export interface RecordedAuditEvent extends AuditEvent {
  readonly id: string;
}

/** An append-only trail of link and device events. */
export interface AuditLog {
  append(events: readonly AuditEvent[]): Promise<void>;
  /** Events naming the device (or, with null, every event of the user), oldest first. */
  listByUser(appId: string, userId: string): Promise<AuditEvent[]>;
  /**
   * The app's events (with `userId`, only that user's), newest first: descending id
   * order, after `afterId` (so older than it) when given.
   */
  list(
    appId: string,
    filter: { readonly userId: string | null },
    page: PageQuery,
  ): Promise<RecordedAuditEvent[]>;
}
