import { parseApiKey } from "../domain/api-key-format.js";
import { AppError } from "../domain/errors.js";
import { LAST_USED_GRANULARITY_MS } from "../domain/limits.js";
import type { ApiKeyScope } from "../domain/model.js";
import { digestsEqual, hashSecret } from "../domain/secrets.js";
import type { ApiKeyPrincipal } from "./principals.js";
import type { ServiceDeps } from "./service-deps.js";

/**
 * Turns the bearer of a LinkService call into the key's app and scopes. Every failure
 * names only the kind of problem: the key, or any part of it, never reaches an error.
 */
export class ApiKeyAuthenticator {
  constructor(private readonly deps: Pick<ServiceDeps, "store" | "clock" | "rateLimits">) {}

  async authenticate(bearer: string | undefined): Promise<ApiKeyPrincipal> {
    if (bearer === undefined) throw new AppError("API_KEY_INVALID", "missing API key");
    const parsed = parseApiKey(bearer);
    if (parsed === null) {
      throw new AppError("API_KEY_INVALID", "malformed API key: expected <key id>.<secret>");
    }
    const found = await this.deps.store.repos.apiKeys.findByIdWithApp(parsed.keyId);
    if (found === null) throw new AppError("API_KEY_INVALID", "unknown API key");
    // Saying so is safe: the key id is no secret, and the secret's 256 bits cannot be
    // guessed however often a caller hears that a guess was wrong.
    if (!digestsEqual(found.key.secretHash, hashSecret(parsed.secret))) {
      throw new AppError("API_KEY_INVALID", "the API key's secret is wrong");
    }
    const { key, app } = found;
    const now = this.deps.clock.now();
    if (key.revokedAt !== null) throw new AppError("API_KEY_REVOKED", "the API key was revoked");
    if (key.expiresAt.getTime() <= now.getTime())
      throw new AppError("API_KEY_EXPIRED", "the API key expired");
    // Counted only for a genuine key: a key id alone is no secret, and a stranger
    // sending it with a made-up secret must not use up its owner's calls.
    await this.deps.rateLimits.admitApiKeyCall(key.id);
    if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
      const notAfter = new Date(now.getTime() - LAST_USED_GRANULARITY_MS);
      await this.deps.store.repos.apiKeys.touchLastUsed(key.id, now, notAfter);
    }
    return { kind: "api_key", keyId: key.id, scopes: key.scopes, app };
  }
}

/** Scopes are checked by the use case, which knows what it needs. */
export function requireScope(caller: ApiKeyPrincipal, scope: ApiKeyScope): void {
  if (!caller.scopes.includes(scope)) {
    // The scope is a domain value here; transport's error mapping names it as the proto does.
    throw new AppError("SCOPE_MISSING", `the API key lacks scope ${scope}`, {
      metadata: { required_scope: scope },
    });
  }
}
