import pg from "pg";

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<void> {
  await withClient(ADMIN_URL, (c) => c.query(`create database ${name}`));
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${name} with (force)`));
}

/** The access token of seeded user n: shaped like an issued secret (43 base64url characters). */
export function seededAccessToken(n: number): string {
  return `bench${String(n).padStart(38, "0")}`;
}

export function seededExternalId(n: number): string {
  return `bench-user-${n}`;
}

/**
 * Users `from`..`to` of `appId`, each with an ACTIVE phone and credentials, written
 * with INSERT ... SELECT generate_series: a million take a minute, not an hour of RPCs.
 * Ids are md5-derived UUIDs, tokens follow seededAccessToken (hashed as the service does).
 */
export async function seedUsers(url: string, appId: string, from: number, to: number): Promise<void> {
  await withClient(url, async (c) => {
    const range = [appId, from, to];
    await c.query(
      `insert into users (id, app_id, external_user_id, disabled, created_at)
       select md5('u' || g)::uuid, $1, 'bench-user-' || g, false, now()
       from generate_series($2::int, $3::int) g`,
      range,
    );
    await c.query(
      `insert into devices (id, user_id, app_id, platform, device_type, state, state_reason, model,
         os_version, app_version, sdk_version, registration_code_hash, created_at, state_changed_at, last_seen_at)
       select md5('d' || g)::uuid, md5('u' || g)::uuid, $1, 'IOS', 'PHONE', 'ACTIVE', 'NEW_DEVICE', 'bench',
         '17.0', '1.0.0', '1.0.0', 'seed-' || g, now(), now(), now()
       from generate_series($2::int, $3::int) g`,
      range,
    );
    await c.query(
      `insert into device_credentials (device_id, access_token_hash, access_token_expires_at,
         refresh_token_hash, issued_at)
       select md5('d' || g)::uuid,
         encode(sha256(convert_to('bench' || lpad(g::text, 38, '0'), 'UTF8')), 'hex'),
         now() + interval '7 days',
         encode(sha256(convert_to('brfsh' || lpad(g::text, 38, '0'), 'UTF8')), 'hex'),
         now()
       from generate_series($1::int, $2::int) g`,
      [from, to],
    );
    await c.query("analyze");
  });
}
