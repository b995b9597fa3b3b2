import { queryDb } from "../../support/inspect-db.js";
import { connectTestRedis, keysWithPrefix } from "../../support/redis.js";
import type { Storage } from "../../support/userlink-server.js";

/**
 * Everything the storage holds as text: every row of every table as JSON, and every
 * Redis key of the prefix beside its value; searched for secrets in plaintext.
 */
export async function storedText(storage: Storage): Promise<{ rows: string[]; redisValues: string[] }> {
  const tables = await queryDb<{ tablename: string }>(
    storage,
    "select tablename from pg_tables where schemaname = 'public'",
  );
  const rows: string[] = [];
  for (const { tablename } of tables) {
    rows.push(
      ...(
        await queryDb<{ row: string }>(storage, `select row_to_json(t)::text as row from "${tablename}" t`)
      ).map((r) => r.row),
    );
  }
  const redis = await connectTestRedis();
  const redisValues: string[] = [];
  try {
    for (const key of await keysWithPrefix(redis, storage.redisKeyPrefix)) {
      const type = await redis.type(key);
      redisValues.push(
        key,
        type === "hash"
          ? JSON.stringify(await redis.hgetall(key))
          : type === "string"
            ? String(await redis.get(key))
            : type,
      );
    }
  } finally {
    await redis.quit();
  }
  return { rows, redisValues };
}
