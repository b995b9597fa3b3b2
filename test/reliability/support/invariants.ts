import pg from "pg";

/** One broken invariant: which, and how many rows break it. */
export interface Violation {
  readonly invariant: string;
  readonly rows: number;
}

/**
 * The invariants, each as a query counting the rows that break it, checked in the
 * database itself (constraints may hold them already; these queries do not assume so).
 */
const CHECKS: Record<string, string> = {
  "one user per (app, external id)": `
    select count(*)::int as n from (
      select app_id, external_user_id from users group by 1, 2 having count(*) > 1) t`,
  "at most one ACTIVE device per user": `
    select count(*)::int as n from (
      select user_id from devices where state = 'ACTIVE' group by 1 having count(*) > 1) t`,
  "at most one INACTIVE device per user": `
    select count(*)::int as n from (
      select user_id from devices where state = 'INACTIVE' group by 1 having count(*) > 1) t`,
  "an INACTIVE device is a tablet, with a reason that says why": `
    select count(*)::int as n from devices
    where state = 'INACTIVE' and (device_type <> 'TABLET' or state_reason <> 'PHONE_PREFERRED')`,
  "no device without its user": `
    select count(*)::int as n from devices d where not exists (select 1 from users u where u.id = d.user_id)`,
  "a device belongs to its user's app": `
    select count(*)::int as n from devices d join users u on u.id = d.user_id where d.app_id <> u.app_id`,
  "no credentials without their device": `
    select count(*)::int as n from device_credentials c
    where not exists (select 1 from devices d where d.id = c.device_id)`,
  "no retired token without its device": `
    select count(*)::int as n from retired_refresh_tokens r
    where not exists (select 1 from devices d where d.id = r.device_id)`,
  "no audit event naming a user that is gone": `
    select count(*)::int as n from audit_events a
    where a.user_id is not null and not exists (select 1 from users u where u.id = a.user_id)`,
  "a code registers one device at most": `
    select count(*)::int as n from (
      select registration_code_hash from devices group by 1 having count(*) > 1) t`,
  "no user of an app that is gone": `
    select count(*)::int as n from users u where not exists (select 1 from apps a where a.id = u.app_id)`,
};

/** Every invariant the database breaks right now; empty when all hold. */
export async function checkInvariants(databaseUrl: string): Promise<Violation[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const violations: Violation[] = [];
    for (const [invariant, query] of Object.entries(CHECKS)) {
      const { rows } = await client.query<{ n: number }>(query);
      const n = rows[0]?.n ?? 0;
      if (n > 0) violations.push({ invariant, rows: n });
    }
    return violations;
  } finally {
    await client.end();
  }
}

/** Total rows breaking any invariant. */
export function violationCount(violations: readonly Violation[]): number {
  return violations.reduce((sum, v) => sum + v.rows, 0);
}

/** Runs one query on the database, for checks of a single scenario. */
export async function query<R extends object>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
