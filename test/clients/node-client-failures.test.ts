// The Node client's failures: deadlines, cancellation, close(), retries as the proto's
// idempotency_level says, and the details read from the trailer.
import { randomUUID } from "node:crypto";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { ClientError, Status } from "nice-grpc";
import { Any, BadRequest, ErrorInfo, RetryInfo } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAdminClient,
  createDeviceClient,
  createLinkClient,
  DeviceType,
  Platform,
  type AdminClient,
  type ClientOptions,
  type UserlinkError,
  type WatchDeviceStatusResponse,
} from "../../clients/node/src/index.js";
import { toUserlinkError } from "../../clients/core/src/userlink-error.js";
import { ALL_SCOPES } from "../support/flow.js";
import { freePort } from "../support/free-port.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { blackhole, failure } from "./client-helpers.js";

const PHONE = { platform: Platform.PLATFORM_ANDROID, deviceType: DeviceType.DEVICE_TYPE_PHONE };

describe("the Node client's failures (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let admin: AdminClient;
  let apiKey: string;
  const options = (): ClientOptions => ({ address: server.address });

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage);
    admin = createAdminClient({ ...options(), adminToken: storage.adminToken });
    const { app } = await admin.createApp({ displayName: "Node client failures" });
    ({ apiKey } = await admin.createApiKey({ appId: app!.appId, name: "backend", scopes: ALL_SCOPES }));
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
    await storage?.destroy();
  });

  it("ends a watch stream at its deadline, and a unary call at the client's default deadline", async () => {
    const link = createLinkClient({ ...options(), apiKey });
    const device = createDeviceClient(options());
    const { authenticationCode } = await link.requestAuthCode({ externalUserId: "node-client-3" });
    const created = await device.createUser({ authenticationCode, device: PHONE });
    device.setAccessToken(created.credentials!.accessToken);
    const started = performance.now();
    const received: WatchDeviceStatusResponse[] = [];
    const streamError = await failure(
      (async () => {
        for await (const message of device.watchDeviceStatus({}, { deadlineMs: 300 })) received.push(message);
      })(),
    );
    expect(streamError.codeName).toBe("DEADLINE_EXCEEDED");
    expect(received).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    link.close();
    device.close();

    const hole = await blackhole();
    const slow = createLinkClient({ address: hole.address, apiKey, deadlineMs: 200 });
    const before = performance.now();
    const error = await failure(slow.getUser({ user: { $case: "userId", value: randomUUID() } }));
    const elapsed = performance.now() - before;
    slow.close();
    await hole.close();
    expect(error.codeName).toBe("DEADLINE_EXCEEDED");
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("maps an aborted call to CANCELLED", async () => {
    const hole = await blackhole();
    const link = createLinkClient({ address: hole.address, apiKey });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(link.listUsers({}, { signal: controller.signal }));
    link.close();
    await hole.close();
    expect(error.codeName).toBe("CANCELLED");
  });

  it("cancels calls and streams in flight on close(), and refuses calls after it", async () => {
    const hole = await blackhole();
    const device = createDeviceClient({ address: hole.address, accessToken: "token" });
    const call = failure(device.getDeviceStatus());
    const stream = failure(
      (async () => {
        for await (const _ of device.watchDeviceStatus());
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    device.close();
    const closed = { codeName: "CANCELLED", details: "the client was closed" };
    expect(await call).toMatchObject(closed);
    expect(await stream).toMatchObject(closed);
    expect(await failure(device.getDeviceStatus())).toMatchObject(closed);
    await hole.close();
  });

  it("retries UNAVAILABLE for safe calls until a server comes up, and never for unsafe ones", async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const retries: string[] = [];
    const retry = {
      baseDelayMs: 100,
      maxRetries: 20,
      onRetry: (e: UserlinkError) => retries.push(e.codeName),
    };

    const unsafeAdmin = createAdminClient({ address, adminToken: storage.adminToken, retry });
    const unsafe = await failure(unsafeAdmin.createApp({ displayName: "never" }));
    unsafeAdmin.close();
    expect(unsafe.codeName).toBe("UNAVAILABLE");
    expect(retries).toEqual([]);

    const noRetry = createLinkClient({ address, apiKey, retry: false });
    expect((await failure(noRetry.listUsers())).codeName).toBe("UNAVAILABLE");
    noRetry.close();

    const link = createLinkClient({ address, apiKey, retry, deadlineMs: 15_000 });
    const pending = link.listUsers();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const late = await startInstance(storage, { USERLINK_GRPC_PORT: String(port) });
    try {
      const { users } = await pending;
      expect(Array.isArray(users)).toBe(true);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(new Set(retries)).toEqual(new Set(["UNAVAILABLE"]));
    } finally {
      link.close();
      await late.stop();
    }
  });

  it("retries refreshCredentials, IDEMPOTENT in the proto, across a server restart", async () => {
    const port = await freePort();
    const first = await startInstance(storage, { USERLINK_GRPC_PORT: String(port) });
    const retries: string[] = [];
    const retry = {
      baseDelayMs: 100,
      maxRetries: 20,
      onRetry: (e: UserlinkError) => retries.push(e.codeName),
    };
    const link = createLinkClient({ ...options(), apiKey });
    const device = createDeviceClient({ address: `127.0.0.1:${port}`, retry, deadlineMs: 15_000 });
    let second: TestInstance | undefined;
    try {
      const { authenticationCode } = await link.requestAuthCode({ externalUserId: "node-client-refresh" });
      const created = await device.createUser({ authenticationCode, device: PHONE });
      await first.stop();
      const pending = device.refreshCredentials({ refreshToken: created.credentials!.refreshToken });
      await new Promise((resolve) => setTimeout(resolve, 400));
      second = await startInstance(storage, { USERLINK_GRPC_PORT: String(port) });
      const refreshed = await pending;
      expect(refreshed.credentials!.refreshToken).not.toBe(created.credentials!.refreshToken);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(new Set(retries)).toEqual(new Set(["UNAVAILABLE"]));
    } finally {
      link.close();
      device.close();
      await second?.stop();
    }
  });

  it("decodes RetryInfo from the trailer's grpc-status-details-bin into retryAfterMs", () => {
    const any = (type: string, value: Uint8Array): Uint8Array =>
      Any.encode(Any.fromPartial({ typeUrl: `type.googleapis.com/google.rpc.${type}`, value })).finish();
    const details = [
      any(
        "ErrorInfo",
        ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "RATE_LIMITED", domain: "userlink.v1" })).finish(),
      ),
      any(
        "RetryInfo",
        RetryInfo.encode(RetryInfo.fromPartial({ retryDelay: { seconds: 2, nanos: 500_000_000 } })).finish(),
      ),
      any("BadRequest", BadRequest.encode(BadRequest.fromPartial({ fieldViolations: [] })).finish()),
    ];
    const writer = new BinaryWriter()
      .uint32(8)
      .int32(Status.RESOURCE_EXHAUSTED)
      .uint32(18)
      .string("slow down");
    for (const detail of details) writer.uint32(26).bytes(detail);
    const error = new ClientError(
      "/userlink.v1.DeviceService/CreateUser",
      Status.RESOURCE_EXHAUSTED,
      "slow down",
    );
    expect(toUserlinkError(error, writer.finish())).toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      codeName: "RESOURCE_EXHAUSTED",
      reason: "RATE_LIMITED",
      retryAfterMs: 2_500,
      retryInfo: { retryDelayMs: 2_500 },
      fieldViolations: [],
      metadata: {},
    });
  });
});
