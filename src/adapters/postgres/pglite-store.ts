import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { KyselyStore } from "./kysely-store.js";
import type { Database } from "./schema.js";

export interface PGliteStoreOptions {
  /** Folder of the embedded database; created when missing. */
  readonly dataDir: string;
}

/**
 * A store on the embedded PGlite (Postgres 17 in WebAssembly), for running without a
 * server. It has one connection: queries queue, transactions run one at a time.
 */
export async function createPGliteStore(opts: PGliteStoreOptions): Promise<KyselyStore> {
  // One options object: `new PGlite(dataDir, opts)`-style calls ignore some options.
  const pglite = new PGlite({ dataDir: opts.dataDir });
  await pglite.waitReady;
  return new KyselyStore(new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), () => null, {
    singleSession: true,
  });
}
