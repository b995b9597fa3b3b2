import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  readonly url: string;
  /** Drops the database, ending whatever connections are still open on it. */
  drop(): Promise<void>;
}

/**
 * A freshly created database with a random name on the test server, so that test
 * files running in parallel (and leftovers of a crashed run) never meet.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `userlink_test_${randomBytes(6).toString("hex")}`;
  await withAdmin((admin) => admin.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

export interface TestPGliteDir {
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

/** An empty temporary folder for a PGlite database. */
export async function createTestPGliteDir(): Promise<TestPGliteDir> {
  const dataDir = await mkdtemp(join(tmpdir(), "userlink-pglite-"));
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}
