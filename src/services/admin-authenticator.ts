import { AppError } from "../domain/errors.js";
import { digestsEqual, hashSecret } from "../domain/secrets.js";
import type { AdminPrincipal } from "./principals.js";

/**
 * Checks the admin token. Both sides are hashed first so the comparison takes the
 * same time whatever the length or content of the guess.
 */
export class AdminAuthenticator {
  private readonly tokenHash: string;

  constructor(adminToken: string) {
    this.tokenHash = hashSecret(adminToken);
  }

  authenticate(bearer: string | undefined): AdminPrincipal {
    if (bearer === undefined || !digestsEqual(hashSecret(bearer), this.tokenHash)) {
      throw new AppError("ADMIN_TOKEN_INVALID", "missing or wrong admin token");
    }
    return { kind: "admin" };
  }
}
