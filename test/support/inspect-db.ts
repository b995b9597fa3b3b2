import pg from "pg";
import type { Storage } from "./userlink-server.js";

/** Runs one read on a real backend's database, to see what the service wrote. */
export async function queryDb<R extends object>(
  storage: Storage,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  if (storage.databaseUrl === null) throw new Error("queryDb needs the real backend");
  const client = new pg.Client({ connectionString: storage.databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
