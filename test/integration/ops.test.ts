import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Metadata, Status } from "nice-grpc";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUserlink } from "../../src/main.js";
import { createAppWithKey, expectGrpcError, linkDevice } from "../support/flow.js";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { uniquePrefix } from "../support/redis.js";
import {
  configFor,
  createStorage,
  startInstance,
  type Storage,
  type TestInstance,
} from "../support/userlink-server.js";

const opsUrl = (instance: TestInstance, path: string) =>
  `http://127.0.0.1:${instance.running.opsPort}${path}`;

async function poll(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe("metrics, health and logs (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage);
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("counts calls by method and code on /metrics", async () => {
    const { apiKey } = await createAppWithKey(server);
    await linkDevice(server, apiKey, "metered");
    await expectGrpcError(server.link("wrong").requestAuthCode({ externalUserId: "x" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_INVALID",
    });
    const response = await fetch(opsUrl(server, "/metrics"));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(
      'userlink_grpc_calls_total{method="userlink.v1.LinkService/RequestAuthCode",code="OK"} 1',
    );
    expect(text).toContain(
      'userlink_grpc_calls_total{method="userlink.v1.LinkService/RequestAuthCode",code="UNAUTHENTICATED"} 1',
    );
    expect(text).toContain(
      'userlink_grpc_calls_total{method="userlink.v1.DeviceService/CreateUser",code="OK"} 1',
    );
    expect(text).toContain("userlink_auth_codes_issued_total 1");
    expect(text).toContain("userlink_auth_codes_redeemed_total 1");
    expect(text).toMatch(
      /userlink_grpc_call_duration_seconds_count\{method="userlink.v1.AdminService\/CreateApp"\} 1/,
    );
    expect(text).toMatch(/userlink_db_pool_connections\{state="total"\} \d+/);
    expect(text).toContain("userlink_redis_up 1");
  });

  it("answers /healthz and /readyz", async () => {
    const health = await fetch(opsUrl(server, "/healthz"));
    expect(health.status).toBe(200);
    const ready = await fetch(opsUrl(server, "/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: "ok", codes: "ok" } });
  });
});

describe("call logs", () => {
  it("writes one line per call with method, code, reason, latency and the caller's request id, and no secret", async () => {
    const storage = await createStorage("real");
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const running = await startUserlink(configFor(storage, { USERLINK_OPS_PORT: "0" }), { log: pino(sink) });
    try {
      const { createChannel, createClient } = await import("nice-grpc");
      const { AdminServiceDefinition } = await import("../../src/gen/userlink/v1/admin_service.js");
      const channel = createChannel(`127.0.0.1:${running.grpcPort}`);
      const admin = createClient(AdminServiceDefinition, channel, {
        "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
      });
      let echoed: string | undefined;
      const { app } = await admin.createApp(
        { displayName: "logged" },
        {
          metadata: Metadata({
            authorization: `Bearer ${storage.adminToken}`,
            "x-request-id": "req-abc.123",
          }),
          onHeader: (h) => (echoed = h.get("x-request-id")),
        },
      );
      const key = await admin.createApiKey({ appId: app!.appId, name: "k", scopes: [1] });
      await admin.createApiKey({ appId: "not-a-uuid", name: "", scopes: [] }).catch(() => {});
      channel.close();
      expect(echoed).toBe("req-abc.123");

      const calls = lines.filter((l) => l.msg === "call");
      expect(calls).toHaveLength(3);
      expect(calls[0]).toMatchObject({
        method: "userlink.v1.AdminService/CreateApp",
        code: "OK",
        request_id: "req-abc.123",
      });
      expect(typeof calls[0]!.latency_ms).toBe("number");
      expect(calls[1]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(calls[2]).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_ARGUMENT" });
      const everything = JSON.stringify(lines);
      expect(everything).not.toContain(storage.adminToken);
      expect(everything).not.toContain(key.apiKey.split(".")[1]);
    } finally {
      await running.close();
      await storage.destroy();
    }
  });
});

describe("a Postgres outage (private Postgres, real Redis)", () => {
  let pg: PrivatePostgres;
  let dataDir: string;
  let server: TestInstance;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "userlink-outage-"));
    const storage: Storage = {
      backend: "real",
      databaseUrl: pg.url,
      dataDir,
      redisKeyPrefix: uniquePrefix(),
      adminToken: `test-admin-${randomBytes(24).toString("base64url")}`,
    };
    server = await startInstance(storage);
  });
  afterAll(async () => {
    await server?.stop();
    await pg?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("flips /readyz, fails calls fast with UNAVAILABLE, and recovers without a restart", async () => {
    const { apiKey } = await createAppWithKey(server);
    await linkDevice(server, apiKey, "before the outage");
    const ready = async () => (await fetch(opsUrl(server, "/readyz"))).status === 200;
    expect(await ready()).toBe(true);

    await pg.stop();
    const flippedMs = await poll(async () => !(await ready()), 5_000);
    console.log(`/readyz turned false ${flippedMs} ms after Postgres stopped`);
    const started = Date.now();
    await expectGrpcError(server.link(apiKey).requestAuthCode({ externalUserId: "during" }), {
      code: Status.UNAVAILABLE,
      reason: "DEPENDENCY_UNAVAILABLE",
    });
    expect(Date.now() - started).toBeLessThan(3_000);

    await pg.start();
    const recoveredMs = await poll(ready, 10_000);
    console.log(`/readyz turned true ${recoveredMs} ms after Postgres came back`);
    const after = await linkDevice(server, apiKey, "before the outage");
    expect(after.restored).toBe(true);
  });
});
