import { randomBytes } from "node:crypto";
import { createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware, RetryInfo } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { ALL_SCOPES, createAppWithKey, expectGrpcError, phone } from "../support/flow.js";
import {
  createStorage,
  startInstance,
  type DeviceClient,
  type Storage,
  type TestInstance,
} from "../support/userlink-server.js";

const factory = createClientFactory().use(errorDetailsClientMiddleware);

/** DeviceService as a client at `ip` would reach it through a proxy on loopback (trusted by default). */
function deviceFrom(instance: TestInstance, ip: string): DeviceClient {
  return factory.create(DeviceServiceDefinition, instance.raw(), {
    "*": { metadata: Metadata({ "x-forwarded-for": ip }) },
  });
}

/** Well formed, so it is looked up, and unknown: AUTH_CODE_INVALID. */
const unknownCode = () => randomBytes(32).toString("base64url");

const invalidCode = { code: Status.UNAUTHENTICATED, reason: "AUTH_CODE_INVALID" };

/** Expects RESOURCE_EXHAUSTED / RATE_LIMITED with a RetryInfo; returns its delay in ms. */
async function expectRateLimited(
  call: Promise<unknown>,
  limit: "create_user_failures" | "api_key_calls",
  windowMs: number,
): Promise<number> {
  const error = await expectGrpcError(call, {
    code: Status.RESOURCE_EXHAUSTED,
    reason: "RATE_LIMITED",
    metadata: { limit },
  });
  const retry = error.extra.find((d): d is RetryInfo => d.$type === RetryInfo.$type);
  expect(retry?.retryDelay).toBeDefined();
  const delayMs = Number(retry!.retryDelay!.seconds) * 1000 + retry!.retryDelay!.nanos / 1e6;
  expect(delayMs).toBeGreaterThan(0);
  expect(delayMs).toBeLessThanOrEqual(windowMs);
  return delayMs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("rate limits across two instances (real)", () => {
  const FAILURES = 5;
  const KEY_CALLS = 10;
  const WINDOW_MS = 60_000;
  let storage: Storage & { destroy(): Promise<void> };
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    storage = await createStorage("real");
    const env = {
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: String(FAILURES),
      USERLINK_RATE_CREATE_USER_WINDOW_SECONDS: "60",
      USERLINK_RATE_KEY_MAX: String(KEY_CALLS),
      USERLINK_RATE_KEY_WINDOW_SECONDS: "60",
    };
    [a, b] = await Promise.all([startInstance(storage, env), startInstance(storage, env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await storage?.destroy();
  });

  it("refuses an abuser's CreateUser on both instances once its failures are used up, and nobody else's", async () => {
    const { apiKey } = await createAppWithKey(a);
    const abuser = "203.0.113.10";
    const bystander = "203.0.113.20";
    for (let i = 0; i < FAILURES; i++) {
      const instance = i % 2 === 0 ? a : b;
      await expectGrpcError(
        deviceFrom(instance, abuser).createUser({ ...phone(), authenticationCode: unknownCode() }),
        invalidCode,
      );
    }
    for (const instance of [a, b]) {
      await expectRateLimited(
        deviceFrom(instance, abuser).createUser({ ...phone(), authenticationCode: unknownCode() }),
        "create_user_failures",
        WINDOW_MS,
      );
      // Another client is judged on its own failures.
      await expectGrpcError(
        deviceFrom(instance, bystander).createUser({ ...phone(), authenticationCode: unknownCode() }),
        invalidCode,
      );
    }
    const { authenticationCode } = await b.link(apiKey).requestAuthCode({ externalUserId: "bystander" });
    const created = await deviceFrom(b, bystander).createUser({ ...phone(), authenticationCode });
    expect(created.userId).not.toBe("");
  });

  it("counts bad input and spent codes too, and refuses a limited client's valid code without consuming it", async () => {
    const { apiKey } = await createAppWithKey(a);
    const abuser = "203.0.113.11";
    const spent = await a.link(apiKey).requestAuthCode({ externalUserId: "spent" });
    await deviceFrom(a, "203.0.113.99").createUser({
      ...phone(),
      authenticationCode: spent.authenticationCode,
    });

    const abuserOn = (i: number) => deviceFrom(i % 2 === 0 ? a : b, abuser);
    await expectGrpcError(
      abuserOn(0).createUser({ ...phone(), device: undefined, authenticationCode: unknownCode() }),
      { code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT" },
    );
    await expectGrpcError(
      abuserOn(1).createUser({ ...phone(), requestId: "", authenticationCode: unknownCode() }),
      { code: Status.INVALID_ARGUMENT, reason: "INVALID_ARGUMENT" },
    );
    for (let i = 2; i < 4; i++) {
      await expectGrpcError(
        abuserOn(i).createUser({ ...phone(), authenticationCode: spent.authenticationCode }),
        { code: Status.UNAUTHENTICATED, reason: "AUTH_CODE_ALREADY_USED" },
      );
    }
    await expectGrpcError(abuserOn(4).createUser({ ...phone(), authenticationCode: "garbage" }), invalidCode);

    const valid = await b.link(apiKey).requestAuthCode({ externalUserId: "held back" });
    for (const instance of [a, b]) {
      await expectRateLimited(
        deviceFrom(instance, abuser).createUser({ ...phone(), authenticationCode: valid.authenticationCode }),
        "create_user_failures",
        WINDOW_MS,
      );
    }
    // The code was never looked at: it still redeems, once.
    const created = await deviceFrom(a, "203.0.113.21").createUser({
      ...phone(),
      authenticationCode: valid.authenticationCode,
    });
    expect(created.restored).toBe(false);
  });

  it("does not count successful CreateUsers", async () => {
    const { apiKey } = await createAppWithKey(a);
    const busy = "203.0.113.12";
    for (let i = 0; i <= FAILURES; i++) {
      const instance = i % 2 === 0 ? a : b;
      const { authenticationCode } = await instance
        .link(apiKey)
        .requestAuthCode({ externalUserId: `busy-${i}` });
      const created = await deviceFrom(instance, busy).createUser({ ...phone(), authenticationCode });
      expect(created.userId).not.toBe("");
    }
    await expectGrpcError(
      deviceFrom(b, busy).createUser({ ...phone(), authenticationCode: unknownCode() }),
      invalidCode,
    );
  });

  it("counts an IPv6 client by its /64", async () => {
    for (let i = 0; i < FAILURES; i++) {
      await expectGrpcError(
        deviceFrom(i % 2 === 0 ? a : b, `2001:db8:aa:1::${i + 1}`).createUser({
          ...phone(),
          authenticationCode: unknownCode(),
        }),
        invalidCode,
      );
    }
    await expectRateLimited(
      deviceFrom(a, "2001:db8:aa:1:ffff:ffff:ffff:ffff").createUser({
        ...phone(),
        authenticationCode: unknownCode(),
      }),
      "create_user_failures",
      WINDOW_MS,
    );
    await expectGrpcError(
      deviceFrom(b, "2001:db8:aa:2::1").createUser({ ...phone(), authenticationCode: unknownCode() }),
      invalidCode,
    );
  });

  it("limits LinkService calls per API key across both instances, and leaves other keys alone", async () => {
    const { appId, apiKey } = await createAppWithKey(a);
    const other = await a.admin.createApiKey({ appId, name: "other", scopes: ALL_SCOPES });
    for (let i = 0; i < KEY_CALLS; i++) {
      const page = await (i % 2 === 0 ? a : b).link(apiKey).listUsers({ pageSize: 10, pageToken: "" });
      expect(page.users).toEqual([]);
    }
    for (const instance of [a, b]) {
      await expectRateLimited(
        instance.link(apiKey).listUsers({ pageSize: 10, pageToken: "" }),
        "api_key_calls",
        WINDOW_MS,
      );
      await expectRateLimited(
        instance.link(apiKey).requestAuthCode({ externalUserId: "over the limit" }),
        "api_key_calls",
        WINDOW_MS,
      );
      expect((await instance.link(other.apiKey).listUsers({ pageSize: 10, pageToken: "" })).users).toEqual(
        [],
      );
    }
    // Only a genuine key is counted: a made-up secret is refused as such.
    const keyId = apiKey.split(".")[0]!;
    await expectGrpcError(a.link(`${keyId}.${unknownCode()}`).listUsers({ pageSize: 10, pageToken: "" }), {
      code: Status.UNAUTHENTICATED,
      reason: "API_KEY_INVALID",
    });
  });
});

describe("rate limits on the embedded backend", () => {
  const WINDOW_MS = 2_000;
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;

  beforeAll(async () => {
    storage = await createStorage("embedded");
    server = await startInstance(storage, {
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: "3",
      USERLINK_RATE_CREATE_USER_WINDOW_SECONDS: "2",
      USERLINK_RATE_KEY_MAX: "4",
      USERLINK_RATE_KEY_WINDOW_SECONDS: "2",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  it("refuses a client over its failures until the window ends, then redeems its untouched code", async () => {
    const { apiKey } = await createAppWithKey(server);
    const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId: "patient" });
    const abuser = deviceFrom(server, "198.51.100.7");
    for (let i = 0; i < 3; i++) {
      await expectGrpcError(
        abuser.createUser({ ...phone(), authenticationCode: unknownCode() }),
        invalidCode,
      );
    }
    const delayMs = await expectRateLimited(
      abuser.createUser({ ...phone(), authenticationCode }),
      "create_user_failures",
      WINDOW_MS,
    );
    await expectGrpcError(
      deviceFrom(server, "198.51.100.8").createUser({ ...phone(), authenticationCode: unknownCode() }),
      invalidCode,
    );
    await sleep(delayMs + 100);
    const created = await abuser.createUser({ ...phone(), authenticationCode });
    expect(created.restored).toBe(false);
  });

  it("limits an API key until the window ends", async () => {
    const { apiKey } = await createAppWithKey(server);
    const link = server.link(apiKey);
    for (let i = 0; i < 4; i++) await link.listUsers({ pageSize: 1, pageToken: "" });
    const delayMs = await expectRateLimited(
      link.listUsers({ pageSize: 1, pageToken: "" }),
      "api_key_calls",
      WINDOW_MS,
    );
    await sleep(delayMs + 100);
    expect((await link.listUsers({ pageSize: 1, pageToken: "" })).users).toEqual([]);
  });
});
