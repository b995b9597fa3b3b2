import type { Kysely } from "kysely";
import type { Repositories } from "../../ports/store.js";
import { createApiKeyRepository } from "./api-key.repository.js";
import { createAppRepository } from "./app.repository.js";
import { createAuditLog } from "./audit-log.repository.js";
import { createCredentialRepository } from "./credential.repository.js";
import { createDeviceRepository } from "./device.repository.js";
import { createUserRepository } from "./user.repository.js";
import { translatingErrors } from "./pg-errors.js";
import type { Database } from "./schema.js";

/** Every repository bound to `db`: the pool, or one transaction. */
export function createRepositories(db: Kysely<Database>): Repositories {
  return {
    apps: withErrorTranslation(createAppRepository(db)),
    apiKeys: withErrorTranslation(createApiKeyRepository(db)),
    users: withErrorTranslation(createUserRepository(db)),
    devices: withErrorTranslation(createDeviceRepository(db)),
    credentials: withErrorTranslation(createCredentialRepository(db)),
    audit: withErrorTranslation(createAuditLog(db)),
  };
}

/**
 * The same repository with every method's driver errors translated (pg-errors.ts), so
 * no method can forget it and the repositories themselves stay plain queries.
 */
function withErrorTranslation<R extends object>(repository: R): R {
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(repository)) {
    wrapped[name] =
      typeof member === "function"
        ? (...args: unknown[]) => translatingErrors(() => member.apply(repository, args) as Promise<unknown>)
        : member;
  }
  return wrapped as R;
}
