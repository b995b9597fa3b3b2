import { isId } from "./ids.js";
import { looksLikeSecret } from "./secrets.js";

/** An API key is `<key id>.<secret>`: the id finds the row, the secret proves it. */
export function formatApiKey(keyId: string, secret: string): string {
  return `${keyId}.${secret}`;
}

/** The two parts of a well-formed key, or null for anything else. */
export function parseApiKey(value: string): { keyId: string; secret: string } | null {
  const dot = value.indexOf(".");
  if (dot < 0) return null;
  const keyId = value.slice(0, dot);
  const secret = value.slice(dot + 1);
  return isId(keyId) && looksLikeSecret(secret) ? { keyId, secret } : null;
}
