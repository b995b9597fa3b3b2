import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Codes, tokens and API-key secrets: 32 random bytes (256 bits), base64url. Having
 * that much entropy, they need no slow hash: SHA-256 makes them useless to whoever
 * reads the stored value, and keeps verification cheap on every call.
 */
export const SECRET_BYTES = 32;

export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

/** The stored form of a secret: SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares two hex digests in time independent of where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  // Buffer.from(…, "hex") stops at the first non-hex character, so two different
  // non-hex strings would both decode to nothing and compare equal: refuse them.
  if (!SHA256_HEX.test(a) || !SHA256_HEX.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A secret as we issue it: 43 base64url characters. Anything else cannot be one. */
export function looksLikeSecret(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
