import { sql, type Kysely } from "kysely";
import type { RetentionStore } from "../../ports/retention.js";
import type { Repositories, Store } from "../../ports/store.js";
import { migrateToLatest } from "./migrate.js";
import { translatingErrors } from "./pg-errors.js";
import { createRepositories } from "./repositories.js";
import { createRetentionStore } from "./retention.repository.js";
import type { Database } from "./schema.js";

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The Store over Kysely, whichever dialect drives it (a pg pool or PGlite; see
 * postgres-store.ts and pglite-store.ts).
 */
export class KyselyStore implements Store {
  readonly repos: Repositories;
  /** What the janitor removes, and its lock (retention.repository.ts). */
  readonly retention: RetentionStore;
  #closed = false;

  /**
   * Takes ownership of `db`: close() destroys it. `poolStats` reports the connection
   * pool for metrics (there is none on PGlite).
   */
  constructor(
    readonly db: Kysely<Database>,
    readonly poolStats: () => PoolStats | null = () => null,
    options: { readonly singleSession?: boolean } = {},
  ) {
    this.repos = createRepositories(db);
    this.retention = createRetentionStore(db, { singleSession: options.singleSession ?? false });
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    // Translation also covers BEGIN and COMMIT, where a serialization failure or a
    // lost connection can surface; `work`'s own AppErrors pass through unchanged.
    return translatingErrors(() => this.db.transaction().execute((trx) => work(createRepositories(trx))));
  }

  async ping(): Promise<void> {
    await translatingErrors(() => sql`select 1`.execute(this.db));
  }

  /** Applies pending migrations; see migrate.ts. */
  async migrateToLatest(): Promise<void> {
    await migrateToLatest(this.db);
  }

  /** Ends the pool (or PGlite) so the process can exit. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
