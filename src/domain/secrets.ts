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
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A secret as we issue it: 43 base64url characters. Anything else cannot be one. */
export function looksLikeSecret(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
