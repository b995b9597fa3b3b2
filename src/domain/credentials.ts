import { randomBytes } from "node:crypto";
import { ACCESS_TOKEN_TTL_MS } from "./limits.js";
import type { DeviceCredentials } from "./model.js";
import { generateSecret, hashSecret, SECRET_BYTES } from "./secrets.js";

/** A device's stored token hashes without the device: what a rotation swaps in. */
export type StoredTokens = Omit<DeviceCredentials, "deviceId">;

/** Tokens for a device not yet known (a refresh names it only once it rotated). */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly stored: StoredTokens;
  readonly refreshFamilyHash: string;
}

/** Tokens as handed to the device once, beside the hashes that are stored. */
export interface IssuedCredentials {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly stored: DeviceCredentials;
  /** The stored form of the refresh token's family (see refreshFamilyHash). */
  readonly refreshFamilyHash: string;
}

/**
 * A refresh token is 32 bytes, base64url (43 characters, like every other secret): the
 * first 16 bytes name its token family, the last 16 are fresh for each token. A family
 * starts with a new set of credentials (CreateUser) and every rotation keeps it, so a
 * refresh token that is not its family's current one is an older generation coming back,
 * recognised as reuse (rule 10) without a row per past token. The family is as secret as
 * the token: only its holders know it, and only its hash is stored, so neither an
 * outsider nor a reader of the database can present one. See docs/credentials.md.
 */
const FAMILY_BYTES = 16;

/** The family's stored form, or null when `refreshToken` cannot be one of ours. */
export function refreshFamilyHash(refreshToken: string): string | null {
  const bytes = Buffer.from(refreshToken, "base64url");
  if (bytes.length !== SECRET_BYTES) return null;
  return familyHashOf(bytes.subarray(0, FAMILY_BYTES));
}

function familyHashOf(family: Buffer): string {
  return hashSecret(family.toString("base64url"));
}

/**
 * New tokens for `deviceId`. Without `rotating`, the refresh token starts a new family;
 * with the refresh token being rotated, the new one stays in its family.
 */
export function issueCredentials(deviceId: string, now: Date, rotating?: string): IssuedCredentials {
  return forDevice(issueTokens(now, rotating), deviceId);
}

/** The tokens of `issueTokens`, now that their device is known. */
export function forDevice(tokens: IssuedTokens, deviceId: string): IssuedCredentials {
  return { ...tokens, stored: { ...tokens.stored, deviceId } };
}

/** New tokens, as issueCredentials, for a rotation whose device the store will name. */
export function issueTokens(now: Date, rotating?: string): IssuedTokens {
  const accessToken = generateSecret();
  const refreshToken = rotating === undefined ? generateSecret() : nextInFamily(rotating);
  const accessTokenExpiresAt = new Date(now.getTime() + ACCESS_TOKEN_TTL_MS);
  return {
    accessToken,
    refreshToken,
    accessTokenExpiresAt,
    refreshFamilyHash: refreshFamilyHash(refreshToken)!,
    stored: {
      accessTokenHash: hashSecret(accessToken),
      accessTokenExpiresAt,
      refreshTokenHash: hashSecret(refreshToken),
      issuedAt: now,
    },
  };
}

function nextInFamily(refreshToken: string): string {
  const family = Buffer.from(refreshToken, "base64url").subarray(0, FAMILY_BYTES);
  if (family.length !== FAMILY_BYTES) throw new Error("not a refresh token");
  return Buffer.concat([family, randomBytes(SECRET_BYTES - FAMILY_BYTES)]).toString("base64url");
}
