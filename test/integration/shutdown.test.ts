import { createChannel, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ALL_SCOPES, expectGrpcError, phone } from "../support/flow.js";
import { testRedisUrl } from "../support/redis.js";
import { StreamRecorder } from "../support/stream.js";
import { spawnUserlink, type UserlinkProcess } from "../support/userlink-process.js";
import { createStorage } from "../support/userlink-server.js";

describe("graceful shutdown of a real process (real)", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it("on SIGTERM lets in-flight calls finish, ends streams with UNAVAILABLE, and exits 0", async () => {
    const storage = await createStorage("real");
    cleanups.push(() => storage.destroy());
    const proc: UserlinkProcess = await spawnUserlink({
      DATABASE_URL: storage.databaseUrl!,
      REDIS_URL: testRedisUrl(),
      USERLINK_ADMIN_TOKEN: storage.adminToken,
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
      USERLINK_REDIS_KEY_PREFIX: storage.redisKeyPrefix,
      USERLINK_SHUTDOWN_GRACE_SECONDS: "10",
    });
    cleanups.push(async () => proc.child.kill("SIGKILL"));

    const channel = createChannel(proc.grpcAddress);
    cleanups.push(async () => channel.close());
    const factory = createClientFactory().use(errorDetailsClientMiddleware);
    const bearer = (token: string) => ({ "*": { metadata: Metadata({ authorization: `Bearer ${token}` }) } });
    const admin = factory.create(AdminServiceDefinition, channel, bearer(storage.adminToken));
    const { app } = await admin.createApp({ displayName: "shutdown" });
    const { apiKey } = await admin.createApiKey({ appId: app!.appId, name: "k", scopes: ALL_SCOPES });
    const link = factory.create(LinkServiceDefinition, channel, bearer(apiKey));
    const device = factory.create(DeviceServiceDefinition, channel);

    const first = await link.requestAuthCode({ externalUserId: "held" });
    const created = await device.createUser({ ...phone(), authenticationCode: first.authenticationCode });
    const stream = new StreamRecorder(
      factory
        .create(DeviceServiceDefinition, channel, bearer(created.credentials!.accessToken))
        .watchDeviceStatus({}),
    );
    await stream.nth(1);

    // Hold the user's row, so that a restoration stays in flight until we let go.
    const locker = new pg.Client({ connectionString: storage.databaseUrl! });
    await locker.connect();
    cleanups.push(() => locker.end());
    await locker.query("begin");
    await locker.query("select id from users where id = $1 for update", [created.userId]);
    const second = await link.requestAuthCode({ externalUserId: "held" });
    const inFlight = device.createUser({ ...phone(), authenticationCode: second.authenticationCode });
    await new Promise((resolve) => setTimeout(resolve, 300));

    proc.child.kill("SIGTERM");
    await stream.end(3_000);
    await expectGrpcError(Promise.reject(stream.error), {
      code: Status.UNAVAILABLE,
      reason: "SHUTTING_DOWN",
    });
    const notReady = await fetch(`${proc.opsUrl}/readyz`).then(
      (r) => r.status,
      () => "closed",
    );
    expect([503, "closed"]).toContain(notReady);

    await new Promise((resolve) => setTimeout(resolve, 500));
    await locker.query("commit");
    const restored = await inFlight;
    expect(restored).toMatchObject({ userId: created.userId, restored: true });
    expect(await proc.exited).toBe(0);
  });
});
