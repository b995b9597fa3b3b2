import type { StoredTokens } from "../domain/credentials.js";
import type { App, Device, DeviceCredentials } from "../domain/model.js";

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
  rotate(oldRefreshHash: string, next: StoredTokens, rotation?: RefreshRotation): Promise<Device | null>;
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
    next: StoredTokens,
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
