import { createServer, Status, type Server } from "nice-grpc";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DeviceServiceDefinition as WebDeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { DeviceState } from "../../src/gen/userlink/v1/types.js";
import { startGrpcWebServer, type GrpcWebServer } from "../../src/transport/grpc-web/grpc-web-server.js";
import { createAppWithKey, expectGrpcError, linkDevice } from "../support/flow.js";
import { grpcWebClients } from "../support/grpc-web-clients.js";
import { frame, rawGrpcWeb } from "../support/grpc-web-raw.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { createChannel, createClientFactory, FetchTransport } from "nice-grpc-web";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Just WatchDeviceStatus and GetDeviceStatus, served by the test itself. */
const FakeDeviceService = {
  name: "DeviceService",
  fullName: "userlink.v1.DeviceService",
  methods: {
    watchDeviceStatus: DeviceServiceDefinition.methods.watchDeviceStatus,
    getDeviceStatus: DeviceServiceDefinition.methods.getDeviceStatus,
  },
} as const;

/** A gRPC server whose stream handler reports when its AbortSignal fires. */
async function startFakeUpstream(port = 0) {
  const aborts: number[] = [];
  let streamsOpen = 0;
  const server: Server = createServer();
  server.add(FakeDeviceService, {
    async *watchDeviceStatus(_request, { signal }) {
      streamsOpen++;
      try {
        yield { deviceState: DeviceState.DEVICE_STATE_ACTIVE };
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        aborts.push(performance.now());
      } finally {
        streamsOpen--;
      }
    },
    async getDeviceStatus() {
      return { deviceState: DeviceState.DEVICE_STATE_ACTIVE, userId: "fake-user" };
    },
  });
  const boundPort = await server.listen(`127.0.0.1:${port}`);
  return {
    server,
    port: boundPort,
    aborts,
    get streamsOpen() {
      return streamsOpen;
    },
  };
}

function webDevice(url: string) {
  const channel = createChannel(url, FetchTransport());
  return createClientFactory().use(errorDetailsClientMiddleware).create(WebDeviceServiceDefinition, channel);
}

async function eventually(check: () => void | Promise<void>, timeoutMs = 2_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe("gRPC-Web calls end on the gRPC server when their client goes", () => {
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let web: GrpcWebServer;

  afterEach(async () => {
    await web?.close(0);
    upstream?.server.forceShutdown();
  });

  const startWeb = (grpcPort: number, options: { bodyTimeoutMs?: number } = {}) =>
    startGrpcWebServer({
      host: "127.0.0.1",
      port: 0,
      grpcHost: "127.0.0.1",
      grpcPort,
      corsOrigins: [],
      log: silent,
      ...options,
    });

  it("cancels the upstream stream (the handler's AbortSignal fires) when the client aborts", async () => {
    upstream = await startFakeUpstream();
    web = await startWeb(upstream.port);
    const controller = new AbortController();
    const stream = webDevice(`http://127.0.0.1:${web.port}`).watchDeviceStatus(
      {},
      { signal: controller.signal },
    );
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_ACTIVE });
    expect(web.activeCalls).toBe(1);
    expect(upstream.aborts).toHaveLength(0);

    const abortedAt = performance.now();
    controller.abort();
    await eventually(() => expect(upstream.aborts).toHaveLength(1));
    expect(upstream.aborts[0]! - abortedAt).toBeLessThan(1_000);
    await eventually(() => expect(upstream.streamsOpen).toBe(0));
    await eventually(() => expect(web.activeCalls).toBe(0));
  });

  it("gives up on a request body that stops arriving, with DEADLINE_EXCEEDED", async () => {
    upstream = await startFakeUpstream();
    web = await startWeb(upstream.port, { bodyTimeoutMs: 200 });
    for (const protocol of ["http1", "http2"] as const) {
      const answer = await rawGrpcWeb(`http://127.0.0.1:${web.port}`, {
        path: "/userlink.v1.DeviceService/GetDeviceStatus",
        body: frame(Buffer.alloc(4)).subarray(0, 3),
        protocol,
        keepOpen: true,
      });
      expect({ protocol, status: answer.status }).toEqual({ protocol, status: Status.DEADLINE_EXCEEDED });
    }
    await eventually(() => expect(web.activeCalls).toBe(0));
  });

  it("answers UNAVAILABLE while the gRPC server is unreachable, and reconnects when it is back", async () => {
    const gone = await startFakeUpstream();
    const port = gone.port;
    gone.server.forceShutdown();
    web = await startWeb(port);
    const client = webDevice(`http://127.0.0.1:${web.port}`);
    await expectGrpcError(client.getDeviceStatus({}), {
      code: Status.UNAVAILABLE,
      reason: "DEPENDENCY_UNAVAILABLE",
    });
    upstream = await startFakeUpstream(port);
    expect(await client.getDeviceStatus({})).toMatchObject({ userId: "fake-user" });
  });

  it("ends a stream with UNAVAILABLE when the gRPC server goes away under it", async () => {
    upstream = await startFakeUpstream();
    web = await startWeb(upstream.port);
    const iterator = webDevice(`http://127.0.0.1:${web.port}`).watchDeviceStatus({})[Symbol.asyncIterator]();
    await iterator.next();
    upstream.server.forceShutdown();
    await expectGrpcError(iterator.next(), { code: Status.UNAVAILABLE, reason: "DEPENDENCY_UNAVAILABLE" });
  });

  it("on close, stops accepting, ends streams left after the drain with UNAVAILABLE and cancels them upstream", async () => {
    upstream = await startFakeUpstream();
    web = await startWeb(upstream.port);
    const url = `http://127.0.0.1:${web.port}`;
    const iterator = webDevice(url).watchDeviceStatus({})[Symbol.asyncIterator]();
    await iterator.next();

    const closing = web.close(100);
    await expectGrpcError(iterator.next(), { code: Status.UNAVAILABLE, reason: "DEPENDENCY_UNAVAILABLE" });
    await closing;
    await eventually(() => expect(upstream.aborts).toHaveLength(1));
    await expect(fetch(url, { method: "OPTIONS" })).rejects.toThrow();
  });
});

describe("a gRPC-Web stream aborted by its client ends on the real server", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let apiKey: string;

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage);
    ({ apiKey } = await createAppWithKey(server));
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  /** The instance's own count of open WatchDeviceStatus streams and cancelled ones. */
  async function watchMetrics(): Promise<{ open: number; cancelled: number }> {
    const text = await (await fetch(`http://127.0.0.1:${server.running.opsPort}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    return {
      open: value(
        /^userlink_active_streams\{method="userlink\.v1\.DeviceService\/WatchDeviceStatus"\} (\d+)/m,
      ),
      cancelled: value(
        /^userlink_grpc_calls_total\{method="userlink\.v1\.DeviceService\/WatchDeviceStatus",code="CANCELLED"\} (\d+)/m,
      ),
    };
  }

  it("is open while the client listens, and cancelled on the server once it aborts", async () => {
    const created = await linkDevice(server, apiKey, "aborting-watcher");
    const device = grpcWebClients(server.grpcWebUrl, storage.adminToken).device(
      created.credentials!.accessToken,
    );
    const controller = new AbortController();
    const iterator = device.watchDeviceStatus({}, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ deviceState: DeviceState.DEVICE_STATE_ACTIVE });
    expect(await watchMetrics()).toEqual({ open: 1, cancelled: 0 });

    controller.abort();
    await eventually(async () => expect(await watchMetrics()).toEqual({ open: 0, cancelled: 1 }));
  });
});
