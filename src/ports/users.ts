import type { User } from "../domain/model.js";
import type { PageQuery } from "./page-query.js";

export interface UserRepository {
  /**
   * Returns the user linked to (appId, externalUserId), creating it from `candidate`
   * when there is none; `created` says which. Either way the user's row stays locked
   * until the transaction ends, so that concurrent restorations of one user run one
   * after the other. Of concurrent calls for a new external id exactly one creates.
   */
  findOrCreateForUpdate(candidate: User): Promise<{ user: User; created: boolean }>;
  /** Locks and returns the user, or null when the app has no user with that id. */
  findByIdForUpdate(appId: string, id: string): Promise<User | null>;
  /** The user, or null when the app has no user with that id. */
  findById(appId: string, id: string): Promise<User | null>;
  /** The user, or null when the app has no user with that external id. */
  findByExternalId(appId: string, externalUserId: string): Promise<User | null>;
  /**
   * The app's users in ascending id order; with `externalIdPrefix`, only those whose
   * external id starts with it (byte for byte, case-sensitive; served by an index).
   */
  list(appId: string, page: PageQuery, filter?: { readonly externalIdPrefix?: string }): Promise<User[]>;
  /** Sets the flag. Returns the updated user, or null when unknown. */
  setDisabled(appId: string, id: string, disabled: boolean): Promise<User | null>;
  /**
   * Deletes the user and every row that names them (devices, credentials, token
   * families, retired tokens, audit events). Returns false when there was no such user.
   */
  delete(appId: string, id: string): Promise<boolean>;
}
