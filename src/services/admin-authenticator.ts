import { createHash } from "node:crypto";
import { AppError } from "../domain/errors.js";
import { digestsEqual, hashSecret } from "../domain/secrets.js";
import type { AdminPrincipal } from "./principals.js";

/**
 * Fixed label hashed in front of the token, so the fingerprint is of use for nothing
 * but telling admin tokens apart (it is no hash that any other part of userlink, or
 * another system, keeps of the token).
 */
const FINGERPRINT_LABEL = "userlink admin token fingerprint v1\n";

/**
 * Which admin token made a change, as the audit trail records it: the first 16 hex
 * characters (64 bits) of SHA-256 over the label and the token. It tells the
 * configured tokens apart and cannot be turned back into a token that, like every
 * admin token, has at least 32 characters.
 */
export function adminTokenFingerprint(token: string): string {
  return createHash("sha256")
    .update(FINGERPRINT_LABEL + token, "utf8")
    .digest("hex")
    .slice(0, 16);
}

/**
 * Checks the admin token against the current one and, during a rotation, the
 * previous one. Both sides are hashed first and every configured token is compared,
 * so the time taken depends neither on the guess nor on which token it matches.
 */
export class AdminAuthenticator {
  private readonly accepted: readonly { hash: string; fingerprint: string }[];

  constructor(current: string, previous: string | null = null) {
    this.accepted = [current, ...(previous === null ? [] : [previous])].map((token) => ({
      hash: hashSecret(token),
      fingerprint: adminTokenFingerprint(token),
    }));
  }

  authenticate(bearer: string | undefined): AdminPrincipal {
    const presented = hashSecret(bearer ?? "");
    let match: string | null = null;
    for (const token of this.accepted) {
      if (digestsEqual(presented, token.hash) && bearer !== undefined) match ??= token.fingerprint;
    }
    if (match === null) throw new AppError("ADMIN_TOKEN_INVALID", "missing or wrong admin token");
    return { kind: "admin", tokenFingerprint: match };
  }
}
