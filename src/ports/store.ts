import type { AuditEvent } from "../domain/audit.js";
import type { DeviceTransition } from "../domain/device-transitions.js";
import type {
  ApiKey,
  App,
  Device,
  DeviceCredentials,
  DeviceState,
  JsonObject,
  StateReason,
  User,
} from "../domain/model.js";

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

/** A keyset page: items in id order, after the `after` id when one is given. */
export interface PageQuery {
  readonly limit: number;
  readonly afterId: string | null;
}

export interface AppRepository {
  insert(app: App): Promise<void>;
  /** The app, or null when there is none with that id. */
  findById(id: string): Promise<App | null>;
  /** Apps in ascending id order. */
  list(page: PageQuery): Promise<App[]>;
  /**
   * Applies the changes that are set; a new `sdkConfig` also bumps `configVersion` by
   * one. Returns the updated app, or null when there is none with that id.
   */
  update(
    id: string,
    changes: {
      readonly displayName?: string;
      readonly sdkConfig?: JsonObject;
      readonly authCodeTtlSeconds?: number;
    },
  ): Promise<App | null>;
}

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  /** The key, or null when there is none with that id. */
  findById(id: string): Promise<ApiKey | null>;
  /** The key and its app in one lookup (what authenticating a call needs), or null. */
  findByIdWithApp(id: string): Promise<{ key: ApiKey; app: App } | null>;
  /** The app's keys, newest first (descending id order), after `afterId` if given. */
  listByApp(appId: string, page: PageQuery): Promise<ApiKey[]>;
  /**
   * How many of the app's keys are usable at `now` (not revoked, not expired) and not
   * rotated out (replacedByKeyId null).
   */
  countActive(appId: string, now: Date): Promise<number>;
  /**
   * Serializes key creation for one app (Postgres: locks the app row until the
   * transaction ends). Returns false when the app does not exist.
   */
  lockApp(appId: string): Promise<boolean>;
  /** Sets revokedAt = at unless already revoked. Returns the key, or null if unknown. */
  revoke(id: string, at: Date): Promise<ApiKey | null>;
  /**
   * Marks a key as rotated: replacedByKeyId and an expiry moved to `expiresAt`
   * (never later than the current one). Returns the key, or null if unknown.
   */
  markRotated(id: string, replacedByKeyId: string, expiresAt: Date): Promise<ApiKey | null>;
  /** Records a use, only when the stored lastUsedAt is older than `notAfter`. */
  touchLastUsed(id: string, at: Date, notAfter: Date): Promise<void>;
}

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

export interface DeviceRepository {
  insert(device: Device): Promise<void>;
  /**
   * A new registration in one statement: the device, its credentials and the audit
   * events of its arrival (at least one). Returns the device's app, read by the same
   * statement (null when there is none). Fails like `insert` (CONFLICT) and then
   * writes nothing.
   */
  register(
    device: Device,
    credentials: DeviceCredentials,
    events: readonly AuditEvent[],
  ): Promise<App | null>;
  /**
   * Writes what domain/device-transitions.ts decided, the one way use cases change
   * devices: the state changes, then the arrival (device and credentials) if any, then
   * the audit records, in the caller's transaction. With an arrival, returns the
   * device's app, read by the same statement as the arrival (its SDK config is in the
   * answer; null when the app is gone); without one, null. Fails like `insert`
   * (CONFLICT) when an arrival would break the one-ACTIVE-one-INACTIVE index.
   */
  applyTransition(transition: DeviceTransition): Promise<App | null>;
  /** The device, or null when there is none with that id. */
  findById(id: string): Promise<Device | null>;
  /** Locks and returns the device, or null. */
  findByIdForUpdate(id: string): Promise<Device | null>;
  /** The device a code registered (for the retry of rule 1), or null. */
  findByRegistrationCode(codeHash: string): Promise<Device | null>;
  /** Every device of the user, newest first (descending createdAt, then id). */
  listByUser(userId: string): Promise<Device[]>;
  /** The user's ACTIVE and INACTIVE devices. Call with the user's row locked. */
  listLiveByUser(userId: string): Promise<Device[]>;
  /** Moves the devices to `state`/`reason` as of `at`; returns how many moved. */
  setState(ids: readonly string[], state: DeviceState, reason: StateReason, at: Date): Promise<number>;
  /** Records a sighting, only when the stored lastSeenAt is older than `notAfter`. */
  touchLastSeen(id: string, at: Date, notAfter: Date): Promise<void>;
}

/** The credentials of a device joined with the device itself, as tokens resolve. */
export interface CredentialLookup {
  readonly credentials: DeviceCredentials;
  readonly device: Device;
  /** The device's app, read in the same lookup: most device calls need its SDK config. */
  readonly app: App;
}

/** What a rotation records beside the new credentials (docs/credentials.md). */
export interface RefreshRotation {
  /** The stored form of the token family (domain/credentials.ts); null: none known. */
  readonly familyHash: string | null;
  /** The caller's request_id for this refresh; null when it sent none. */
  readonly requestId: string | null;
}

/** A refresh token that was rotated away, as the reuse and retry checks need it. */
export interface RetiredRefreshToken {
  readonly device: Device;
  /** When it was rotated away. */
  readonly retiredAt: Date;
  /** The request_id of the refresh that rotated it; null when there was none. */
  readonly requestId: string | null;
}

export interface CredentialRepository {
  /**
   * Replaces the device's credentials (one set per device). The refresh token of `put`
   * starts a new family: the previous family's tokens no longer resolve to the device.
   */
  put(credentials: DeviceCredentials): Promise<void>;
  /** The credentials whose access token hashes to `hash`, with their device and app; or null. */
  findByAccessTokenHash(hash: string): Promise<CredentialLookup | null>;
  /**
   * Swaps the credentials whose refresh token hashes to `oldRefreshHash` for `next`,
   * atomically (of concurrent calls with one token exactly one succeeds), and
   * remembers the old refresh hash as the family's previous one (one row per device,
   * however often it rotates). Returns the device, or null when no current credentials
   * carry that refresh token.
   */
  rotate(oldRefreshHash: string, next: DeviceCredentials, rotation?: RefreshRotation): Promise<Device | null>;
  /**
   * A retry of the last rotation: when `oldRefreshHash` is the family's previous token,
   * rotated by `requestId` no earlier than `notBefore`, replaces the device's current
   * credentials (those of the answer the caller lost) with `next`. Atomic like rotate;
   * the previous token and its time stay, so the window counts from the first answer.
   * Returns the device, or null when that is not the case.
   */
  retryRotation(
    oldRefreshHash: string,
    requestId: string,
    notBefore: Date,
    next: DeviceCredentials,
  ): Promise<Device | null>;
  /**
   * The already-rotated refresh token that hashes to `hash` (the family's previous one,
   * or one rotated before token families existed): its device, when it was rotated away
   * and by which request_id; null when there is none.
   */
  findRetiredRefreshToken(hash: string): Promise<RetiredRefreshToken | null>;
  /**
   * The device whose current token family has this hash, and how many rotations the
   * family has seen; null when no device's family has it.
   */
  findRefreshFamily(familyHash: string): Promise<{ device: Device; generation: number } | null>;
  /** Removes the device's credentials (their tokens stop resolving). */
  revoke(deviceId: string): Promise<void>;
}

// The audit records are the domain's (the device transitions write them); re-exported
// here so that the store's callers keep one import.
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
