import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger as Pino } from "pino";
import type { Config } from "../config.js";
import type { KyselyStore } from "./postgres/kysely-store.js";
import { createPGliteStore } from "./postgres/pglite-store.js";
import { createPostgresStore } from "./postgres/postgres-store.js";

/**
 * The relational store the configuration asks for: Postgres at DATABASE_URL, or else
 * the embedded PGlite in the data folder. For main.ts and the one-shot commands
 * (migrate, janitor), which all open it the same way.
 */
export async function openStore(config: Config, log: Pino): Promise<KyselyStore> {
  if (config.databaseUrl !== null) {
    return createPostgresStore({
      url: config.databaseUrl,
      poolMax: config.dbPoolMax,
      onIdleConnectionError: (error) => log.warn({ err: error }, "idle postgres connection failed"),
    });
  }
  const dataDir = join(config.dataDir, "pgdata");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return createPGliteStore({ dataDir });
}
