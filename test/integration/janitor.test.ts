import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppWithKey, linkDevice } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import { configFor, createStorage, startInstance, type OwnedStorage } from "../support/userlink-server.js";

const BIN = fileURLToPath(new URL("../../bin/userlink.js", import.meta.url));
const run = promisify(execFile);

/** An audit event of `appId` that happened `days` ago, written as the service would have. */
async function oldEvent(storage: OwnedStorage, appId: string, days: number): Promise<string> {
  const marker = randomUUID();
  await queryDb(
    storage,
    `insert into audit_events (event_id, app_id, kind, details, occurred_at, actor_kind, actor_id)
     values ($4, $1, 'app.updated', jsonb_build_object('marker', $2::text), now() - make_interval(days => $3),
             'SYSTEM', '')`,
    [appId, marker, days, randomUUID()],
  );
  return marker;
}

async function markersLeft(storage: OwnedStorage, markers: string[]): Promise<string[]> {
  const rows = await queryDb<{ marker: string }>(
    storage,
    "select details->>'marker' as marker from audit_events where details->>'marker' = any($1) order by 1",
    [markers],
  );
  return rows.map((r) => r.marker);
}

describe("the janitor inside the service and by hand (real)", () => {
  let storage: OwnedStorage;
  beforeAll(async () => {
    storage = await createStorage("real");
  });
  afterAll(async () => {
    await storage?.destroy();
  });

  it("runs on its schedule, removes what is past retention and counts it in /metrics", async () => {
    const server = await startInstance(storage, {
      USERLINK_JANITOR_INTERVAL_SECONDS: "1",
      USERLINK_AUDIT_RETENTION_DAYS: "10",
      USERLINK_DEPARTED_DEVICE_RETENTION_DAYS: "5",
    });
    try {
      const { apiKey, appId } = await createAppWithKey(server);
      const first = await linkDevice(server, apiKey, "janitor");
      await linkDevice(server, apiKey, "janitor"); // replaces the first device
      await queryDb(
        storage,
        "update devices set state_changed_at = now() - interval '6 days' where id = $1",
        [first.deviceId],
      );
      const gone = await oldEvent(storage, appId, 11);
      const kept = await oldEvent(storage, appId, 9);

      const metricsUrl = `http://127.0.0.1:${server.running.opsPort}/metrics`;
      let text = "";
      for (const started = Date.now(); Date.now() - started < 15_000;) {
        text = await (await fetch(metricsUrl)).text();
        const removed = (table: string) =>
          new RegExp(`userlink_janitor_rows_removed_total\\{table="${table}"\\} 1\\b`).test(text);
        if (removed("devices") && removed("audit_events")) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(text).toMatch(/userlink_janitor_rows_removed_total\{table="audit_events"\} 1\b/);
      expect(text).toMatch(/userlink_janitor_rows_removed_total\{table="devices"\} 1\b/);
      expect(text).toMatch(/userlink_janitor_rows_removed_total\{table="device_credentials"\} 1\b/);
      expect(text).toMatch(/userlink_janitor_pass_duration_seconds_count [1-9]/);
      expect(await markersLeft(storage, [gone, kept])).toEqual([kept]);
      const devices = await queryDb<{ id: string }>(storage, "select id from devices where app_id = $1", [
        appId,
      ]);
      expect(devices).toHaveLength(1);
      expect(devices[0]!.id).not.toBe(first.deviceId);
    } finally {
      await server.stop();
    }
  });

  it("`userlink janitor` runs one pass and reports what it removed", async () => {
    const { databaseUrl, adminToken } = configFor(storage);
    const apps = await queryDb<{ id: string }>(storage, "select id from apps limit 1");
    const gone = await oldEvent(storage, apps[0]!.id, 100);
    const kept = await oldEvent(storage, apps[0]!.id, 1);
    const { stdout } = await run(process.execPath, [BIN, "janitor"], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl!,
        USERLINK_ADMIN_TOKEN: adminToken!,
        USERLINK_LOG_LEVEL: "silent",
      },
      timeout: 60_000,
    });
    const pass = JSON.parse(stdout) as { ran: boolean; removed: Record<string, number> };
    expect(pass).toMatchObject({ ran: true, removed: { audit_events: 1, devices: 0, api_keys: 0 } });
    expect(await markersLeft(storage, [gone, kept])).toEqual([kept]);
  });
});
