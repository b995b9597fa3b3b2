import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { KyselyStore } from "./kysely-store.js";
import type { Database } from "./schema.js";

export interface PostgresStoreOptions {
  readonly url: string;
  /** Connections in the pool; default 10. */
  readonly poolMax?: number;
  /** Server-side limit per statement, lock waits included; default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a connection, new or from the pool; default 2000 ms. */
  readonly connectionTimeoutMs?: number;
  /**
   * Told about errors of idle connections (the server restarted, the network broke).
   * The pool drops such a connection by itself; without this they are ignored.
   */
  readonly onIdleConnectionError?: (error: Error) => void;
}

/**
 * A store on a Postgres server. Connects lazily: a server that is down shows up as
 * DEPENDENCY_UNAVAILABLE on the first call (ping() checks it), not as a failure here.
 */
export async function createPostgresStore(opts: PostgresStoreOptions): Promise<KyselyStore> {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 2_000,
    statement_timeout: statementTimeoutMs,
    // The client-side guard for a server that never answers (a blackholed network),
    // where statement_timeout cannot help; a little later so the server's own error wins.
    query_timeout: statementTimeoutMs + 1_000,
    // A transaction left open by a crashed caller must not hold its locks forever.
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
  });
  // An idle client that errors is emitted on the pool; unhandled, that 'error' event
  // would crash the process.
  pool.on("error", (error) => opts.onIdleConnectionError?.(withoutClient(error)));
  // A checked-out client whose connection breaks between two queries (a reset, a
  // restarted server) emits 'error' on itself, where the pool no longer listens: without
  // a listener the process crashed. Nothing to do there: its next query fails with "not
  // queryable" (DEPENDENCY_UNAVAILABLE) and the pool drops it when it comes back. Idle
  // clients are reported through the pool's 'error' above.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return new KyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), () => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  }));
}

/** pg-pool hangs the whole client (its buffers, type parsers…) on the error; a log needs none of it. */
function withoutClient(error: Error): Error {
  delete (error as { client?: unknown }).client;
  return error;
}
