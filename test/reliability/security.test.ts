import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { createChannel, createClientFactory, Metadata, Status, type Channel } from "nice-grpc";
import { RetryInfo, RichClientError, errorDetailsClientMiddleware } from "nice-grpc-error-details";
import * as web from "nice-grpc-web";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition as WebAdmin } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition as WebDevice } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition as WebLink } from "../../src/gen/userlink/v1/link_service.js";
import { digestsEqual, generateSecret, hashSecret } from "../../src/domain/secrets.js";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ApiKeyScope } from "../../src/gen/userlink/v1/types.js";
import { startUserlink, type RunningUserlink } from "../../src/main.js";
import { phone } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import { connectTestRedis, keysWithPrefix } from "../support/redis.js";
import {
  configFor,
  createStorage,
  type AdminClient,
  type DeviceClient,
  type LinkClient,
  type Storage,
} from "../support/userlink-server.js";
import { outcomeOf } from "./support/outcomes.js";
import { byProfile, report } from "./support/report.js";

const SCOPE = ApiKeyScope;
/** The admin token being rotated out: `running` accepts it beside the current one. */
const PREVIOUS_ADMIN_TOKEN = `previous-admin-${generateSecret()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Transport = "grpc" | "grpc-web";
interface Clients {
  link: LinkClient;
  device: DeviceClient;
  admin: AdminClient;
}

describe("security (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let running: RunningUserlink;
  let limited: RunningUserlink;
  let channel: Channel;
  const logLines: string[] = [];
  /** Every client-visible error message, searched for secrets too. */
  const messages: string[] = [];

  const clients = (
    transport: Transport,
    bearer: string | null,
    target: RunningUserlink = running,
  ): Clients => {
    const options =
      bearer === null ? {} : { "*": { metadata: Metadata({ authorization: `Bearer ${bearer}` }) } };
    if (transport === "grpc") {
      const factory = createClientFactory().use(errorDetailsClientMiddleware);
      const ch = target === running ? channel : createChannel(`127.0.0.1:${target.grpcPort}`);
      return {
        link: factory.create(LinkServiceDefinition, ch, options),
        device: factory.create(DeviceServiceDefinition, ch, options),
        admin: factory.create(AdminServiceDefinition, ch, options),
      };
    }
    const ch = web.createChannel(`http://127.0.0.1:${target.grpcWebPort}`, web.FetchTransport());
    const factory = web.createClientFactory().use(errorDetailsClientMiddleware);
    // The web stubs mirror the node ones method for method; the node types serve both.
    return {
      link: factory.create(WebLink, ch, options) as unknown as LinkClient,
      device: factory.create(WebDevice, ch, options) as unknown as DeviceClient,
      admin: factory.create(WebAdmin, ch, options) as unknown as AdminClient,
    };
  };

  beforeAll(async () => {
    storage = await createStorage("real");
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    // Everything the service logs, down to trace, is kept and searched for secrets.
    running = await startUserlink(
      configFor(storage, {
        USERLINK_RATE_KEY_MAX: "0",
        USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0",
        USERLINK_ADMIN_TOKEN_PREVIOUS: PREVIOUS_ADMIN_TOKEN,
      }),
      { log: pino({ level: "trace" }, sink) },
    );
    limited = await startUserlink(
      configFor(storage, {
        USERLINK_RATE_CREATE_USER_FAILURES_MAX: "10",
        USERLINK_RATE_CREATE_USER_WINDOW_SECONDS: "60",
      }),
      { log: pino({ level: "trace" }, sink) },
    );
    channel = createChannel(`127.0.0.1:${running.grpcPort}`);
  });
  afterAll(async () => {
    channel?.close();
    await running?.close();
    await limited?.close();
    await storage?.destroy();
  });

  it("answers every method × every credential kind as expected, over gRPC and gRPC-Web", async () => {
    const admin = clients("grpc", storage.adminToken).admin;
    const newKey = async (appId: string, scopes: ApiKeyScope[], expiresAt?: Date) =>
      (await admin.createApiKey({ appId, name: "matrix", scopes, ...(expiresAt && { expiresAt }) })).apiKey;
    const { app } = await admin.createApp({ displayName: "matrix A" });
    const { app: other } = await admin.createApp({ displayName: "matrix B" });
    const appId = app!.appId;
    const all = [
      SCOPE.API_KEY_SCOPE_USER_LINK,
      SCOPE.API_KEY_SCOPE_USER_READ,
      SCOPE.API_KEY_SCOPE_USER_DELETE,
    ];
    const ownKey = await newKey(appId, all);
    const linkOnly = await newKey(appId, [SCOPE.API_KEY_SCOPE_USER_LINK]);
    const readOnly = await newKey(appId, [SCOPE.API_KEY_SCOPE_USER_READ]);
    const revoked = await newKey(appId, all);
    await admin.revokeApiKey({ keyId: revoked.split(".")[0]! });
    const expired = await newKey(appId, all, new Date(Date.now() + 1_200));
    const otherKey = await newKey(other!.appId, all);
    const link = clients("grpc", ownKey).link;
    const redeem = async (externalUserId: string) => {
      const { authenticationCode } = await link.requestAuthCode({ externalUserId });
      return clients("grpc", null).device.createUser({ ...phone(), authenticationCode });
    };
    const user = await redeem("matrix-user");
    const deviceToken = user.credentials!.accessToken;
    const replaced = await redeem("matrix-replaced");
    await redeem("matrix-replaced"); // a newer phone deactivates the first
    await sleep(1_300); // the short-lived key is now expired

    const kinds: Record<string, string | null> = {
      none: null,
      garbage: "garbage-token-!!",
      "expired key": expired,
      "revoked key": revoked,
      "wrong scope": "WRONG_SCOPE",
      "other app's key": otherKey,
      "device token": deviceToken,
      "deactivated device token": replaced.credentials!.accessToken,
      "admin token": storage.adminToken,
      "previous admin token": PREVIOUS_ADMIN_TOKEN,
      "own key": ownKey,
    };
    type Cell = { code: Status; reason: string } | "OK";
    const deny = (code: Status, reason: string): Cell => ({ code, reason });
    const apiKeyRefusal = (kind: string, method: string): Cell => {
      if (kind === "expired key") return deny(Status.UNAUTHENTICATED, "API_KEY_EXPIRED");
      if (kind === "revoked key") return deny(Status.UNAUTHENTICATED, "API_KEY_REVOKED");
      if (kind === "wrong scope") return deny(Status.PERMISSION_DENIED, "SCOPE_MISSING");
      if (kind === "own key") return "OK";
      if (kind === "other app's key") {
        // A key of app B is a valid key, for app B only: A's user does not exist there.
        return method === "RequestAuthCode" || method === "ListUsers"
          ? "OK"
          : deny(Status.NOT_FOUND, "USER_NOT_FOUND");
      }
      return deny(Status.UNAUTHENTICATED, "API_KEY_INVALID");
    };
    const deviceRefusal = (kind: string): Cell =>
      kind === "device token"
        ? "OK"
        : kind === "deactivated device token"
          ? deny(Status.UNAUTHENTICATED, "DEVICE_DEACTIVATED")
          : deny(Status.UNAUTHENTICATED, "DEVICE_TOKEN_INVALID");
    const adminRefusal = (kind: string): Cell =>
      kind === "admin token" || kind === "previous admin token"
        ? "OK"
        : deny(Status.UNAUTHENTICATED, "ADMIN_TOKEN_INVALID");

    let victims = 0;
    const freshApp = async () => (await admin.createApp({ displayName: "keys" })).app!.appId;
    const byUserId = { user: { $case: "userId" as const, value: user.userId } };
    // Each method with the scope it needs (for the wrong-scope key) and a request that would succeed.
    const methods: {
      name: string;
      service: "link" | "device" | "admin";
      wrong?: string;
      run: (c: Clients) => Promise<unknown>;
    }[] = [
      {
        name: "RequestAuthCode",
        service: "link",
        wrong: readOnly,
        run: (c) => c.link.requestAuthCode({ externalUserId: "matrix-user" }),
      },
      { name: "GetUser", service: "link", wrong: linkOnly, run: (c) => c.link.getUser(byUserId) },
      {
        name: "ListUsers",
        service: "link",
        wrong: linkOnly,
        run: async (c) => {
          const listed = await c.link.listUsers({ pageSize: 1000, pageToken: "" });
          // Tenancy: whoever asks, only their own app's users come back.
          return listed.users.some((u) => u.userId === user.userId) ? "mine" : "none of mine";
        },
      },
      {
        name: "DeleteUser",
        service: "link",
        wrong: linkOnly,
        // A user of app A of its own each time: the own key's cell does delete it.
        run: async (c) =>
          c.link.deleteUser({
            user: { $case: "userId", value: (await redeem(`victim-${victims++}`)).userId },
          }),
      },
      {
        name: "CreateUser (unknown code)",
        service: "device",
        run: (c) => c.device.createUser({ ...phone(), authenticationCode: generateSecret() }),
      },
      {
        name: "RefreshCredentials (unknown token)",
        service: "device",
        run: (c) => c.device.refreshCredentials({ refreshToken: generateSecret() }),
      },
      { name: "GetDeviceStatus", service: "device", run: (c) => c.device.getDeviceStatus({}) },
      {
        name: "WatchDeviceStatus",
        service: "device",
        run: async (c) => {
          for await (const first of c.device.watchDeviceStatus({})) return first;
        },
      },
      { name: "CreateApp", service: "admin", run: (c) => c.admin.createApp({ displayName: "matrix" }) },
      { name: "GetApp", service: "admin", run: (c) => c.admin.getApp({ appId }) },
      { name: "ListApps", service: "admin", run: (c) => c.admin.listApps({ pageSize: 1, pageToken: "" }) },
      {
        name: "UpdateApp",
        service: "admin",
        run: (c) => c.admin.updateApp({ appId, displayName: "matrix A" }),
      },
      {
        name: "CreateApiKey",
        service: "admin",
        run: async (c) =>
          c.admin.createApiKey({
            appId: (await admin.createApp({ displayName: "k" })).app!.appId,
            name: "m",
            scopes: [1],
          }),
      },
      {
        name: "ListApiKeys",
        service: "admin",
        run: (c) => c.admin.listApiKeys({ appId, pageSize: 1, pageToken: "" }),
      },
      {
        name: "RevokeApiKey",
        service: "admin",
        run: async (c) =>
          c.admin.revokeApiKey({ keyId: (await newKey(await freshApp(), [1])).split(".")[0]! }),
      },
      {
        name: "RotateApiKey",
        service: "admin",
        run: async (c) =>
          c.admin.rotateApiKey({ keyId: (await newKey(await freshApp(), [1])).split(".")[0]! }),
      },
      {
        name: "SetUserDisabled",
        service: "admin",
        run: (c) => c.admin.setUserDisabled({ appId, userId: user.userId, disabled: false }),
      },
      {
        name: "ListUsers (admin)",
        service: "admin",
        run: (c) => c.admin.listUsers({ appId, pageSize: 1, pageToken: "", externalUserIdPrefix: "matrix" }),
      },
      { name: "GetUser (admin)", service: "admin", run: (c) => c.admin.getUser({ appId, ...byUserId }) },
      {
        name: "DeleteUser (admin)",
        service: "admin",
        // As for LinkService's: a victim of its own each time, deleted by the admin cells.
        run: async (c) =>
          c.admin.deleteUser({
            appId,
            user: { $case: "userId", value: (await redeem(`victim-${victims++}`)).userId },
          }),
      },
      {
        name: "ListAuditEvents",
        service: "admin",
        run: (c) => c.admin.listAuditEvents({ appId, userId: user.userId, pageSize: 5, pageToken: "" }),
      },
      { name: "ResetDevice", service: "device", run: (c) => c.device.resetDevice({}) },
    ];
    const expected = (method: (typeof methods)[number], kind: string): Cell => {
      if (method.name.startsWith("CreateUser")) return deny(Status.UNAUTHENTICATED, "AUTH_CODE_INVALID");
      if (method.name.startsWith("RefreshCredentials"))
        return deny(Status.UNAUTHENTICATED, "DEVICE_TOKEN_INVALID");
      if (method.service === "link") return apiKeyRefusal(kind, method.name);
      if (method.service === "device") return deviceRefusal(kind);
      return adminRefusal(kind);
    };

    const mismatches: string[] = [];
    let cells = 0;
    for (const transport of ["grpc", "grpc-web"] as const) {
      for (const method of methods) {
        for (const [kind, credential] of Object.entries(kinds)) {
          // ResetDevice would end the device the other cells use: it gets a device of its own.
          let bearer = kind === "wrong scope" ? (method.wrong ?? linkOnly) : credential;
          if (method.name === "ResetDevice" && kind === "device token")
            bearer = (await redeem(`reset-${transport}`)).credentials!.accessToken;
          const want = expected(method, kind);
          const got = await method.run(clients(transport, bearer)).then(
            (value) => (value === "mine" && kind === "other app's key" ? "LEAKED" : "OK"),
            (error: unknown) => {
              if (error instanceof RichClientError) messages.push(error.details);
              return outcomeOf(error);
            },
          );
          const wantText = want === "OK" ? "OK" : `${Status[want.code]}/${want.reason}`;
          cells++;
          if (got !== wantText)
            mismatches.push(`${transport} ${method.name} × ${kind}: expected ${wantText}, got ${got}`);
        }
      }
    }
    report("security: method × credential matrix", {
      methods: methods.length,
      credential_kinds: Object.keys(kinds).length,
      transports: 2,
      cells,
      mismatches: mismatches.length,
    });
    expect(mismatches).toEqual([]);
  });

  it("rate-limits guessing codes: RESOURCE_EXHAUSTED after the configured failures", async () => {
    const device = (address: string) =>
      createClientFactory()
        .use(errorDetailsClientMiddleware)
        .create(DeviceServiceDefinition, createChannel(`127.0.0.1:${limited.grpcPort}`), {
          // The instance trusts loopback as a proxy: each scenario is a client address of its own.
          "*": { metadata: Metadata({ "x-forwarded-for": address }) },
        });
    const guess = (address: string) =>
      device(address)
        .createUser({ ...phone(), authenticationCode: generateSecret() })
        .then(
          () => "OK",
          (e: unknown) => e,
        );
    // One guess after another: exactly the configured 10 reach the code store.
    const sequential: string[] = [];
    let retryInfo = false;
    for (let i = 0; i < 15; i++) {
      const error = await guess("203.0.113.7");
      sequential.push(outcomeOf(error === "OK" ? undefined : error));
      if (error instanceof RichClientError && error.extra.some((d) => d.$type === RetryInfo.$type))
        retryInfo = true;
    }
    const checked = sequential.filter((o) => o === "UNAUTHENTICATED/AUTH_CODE_INVALID").length;
    // A valid code sent by the limited client is refused, and not spent.
    const ownKey = clients("grpc", storage.adminToken).admin;
    const { app } = await ownKey.createApp({ displayName: "brute" });
    const { apiKey } = await ownKey.createApiKey({
      appId: app!.appId,
      name: "b",
      scopes: [SCOPE.API_KEY_SCOPE_USER_LINK],
    });
    const { authenticationCode } = await clients("grpc", apiKey).link.requestAuthCode({
      externalUserId: "victim",
    });
    const whileLimited = await device("203.0.113.7")
      .createUser({ ...phone(), authenticationCode })
      .then(() => "OK", outcomeOf);
    const elsewhere = await device("198.51.100.9")
      .createUser({ ...phone(), authenticationCode })
      .then(() => "OK", outcomeOf);
    // Many guesses at once, from a fresh address: how many reach the code store.
    const burst = byProfile(100, 500);
    const results = await Promise.all(Array.from({ length: burst }, () => guess("203.0.113.99")));
    const burstChecked = results.filter(
      (e) => outcomeOf(e === "OK" ? undefined : e) === "UNAUTHENTICATED/AUTH_CODE_INVALID",
    ).length;
    report("security: brute force of codes", {
      limit: 10,
      sequential_guesses: sequential.length,
      sequential_checked: checked,
      retry_info: retryInfo,
      valid_code_while_limited: whileLimited,
      same_code_from_elsewhere: elsewhere,
      burst_guesses: burst,
      burst_checked: burstChecked,
    });
    expect(checked).toBe(10);
    expect(sequential.slice(10).every((o) => o === "RESOURCE_EXHAUSTED/RATE_LIMITED")).toBe(true);
    expect(retryInfo).toBe(true);
    expect(whileLimited).toBe("RESOURCE_EXHAUSTED/RATE_LIMITED");
    expect(elsewhere).toBe("OK");
    expect(burstChecked).toBeLessThanOrEqual(BURST_ALLOWANCE);
  });

  it("compares secrets in constant time (a structural check: timing is too noisy to measure here)", () => {
    const read = (path: string) => readFileSync(new URL(`../../src/${path}`, import.meta.url), "utf8");
    const secrets = read("domain/secrets.ts");
    const apiKeys = read("services/api-key-authenticator.ts");
    const adminToken = read("services/admin-authenticator.ts");
    const devices = read("services/device-authenticator.ts");
    const codes = read("services/create-user.use-case.ts");
    // digestsEqual compares with crypto.timingSafeEqual, on digests of equal length.
    expect(secrets).toMatch(/function digestsEqual[\s\S]*?timingSafeEqual\(/);
    // The two secrets checked by comparison go through it, never through === or !==.
    for (const source of [apiKeys, adminToken]) {
      expect(source).toMatch(/digestsEqual\(/);
      expect(source).not.toMatch(
        /(secretHash|tokenHash|hashSecret\([^)]*\))\s*[!=]==|[!=]==\s*(key\.secretHash|this\.tokenHash)/,
      );
    }
    // Access tokens and codes are never compared at all: they are looked up by their SHA-256.
    expect(devices).toMatch(/findByAccessTokenHash\(hashSecret\(bearer\)\)/);
    expect(codes).toMatch(/hashSecret\(input\.authenticationCode\)/);
    // And the comparison itself behaves.
    const a = hashSecret("a");
    expect([
      digestsEqual(a, a),
      digestsEqual(a, hashSecret("b")),
      digestsEqual(a, a.slice(0, 10)),
      digestsEqual(a, "zz"),
    ]).toEqual([true, false, false, false]);
    report("security: constant-time comparison", {
      method: "structural",
      timing_safe_equal_in_digests_equal: true,
      api_key_and_admin_token_use_digests_equal: true,
      tokens_and_codes_looked_up_by_hash: true,
    });
  });

  it("generates every secret with at least 128 bits of entropy", async () => {
    const admin = clients("grpc", storage.adminToken).admin;
    const { app } = await admin.createApp({ displayName: "entropy" });
    const { apiKey } = await admin.createApiKey({
      appId: app!.appId,
      name: "e",
      scopes: [SCOPE.API_KEY_SCOPE_USER_LINK],
    });
    const link = clients("grpc", apiKey).link;
    const device = clients("grpc", null).device;
    const codeCount = byProfile(2_000, 10_000);
    const createCount = byProfile(300, 5_000);
    const keyApps = byProfile(10, 100);
    const codes: string[] = [];
    for (let i = 0; i < codeCount; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, (_, j) => link.requestAuthCode({ externalUserId: `e-${i + j}` })),
      );
      codes.push(...batch.map((b) => b.authenticationCode));
    }
    const tokens: string[] = [];
    for (let i = 0; i < createCount; i += 50) {
      const batch = await Promise.all(
        codes
          .slice(i, i + 50)
          .map((authenticationCode) => device.createUser({ ...phone(), authenticationCode })),
      );
      tokens.push(...batch.flatMap((b) => [b.credentials!.accessToken, b.credentials!.refreshToken]));
    }
    const keys: string[] = [];
    for (let i = 0; i < keyApps; i++) {
      const { app: a } = await admin.createApp({ displayName: `keys ${i}` });
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => admin.createApiKey({ appId: a!.appId, name: "e", scopes: [1] })),
      );
      keys.push(...batch.map((b) => b.apiKey.split(".")[1]!));
    }
    const generated = Array.from({ length: 10_000 }, generateSecret);
    const figures: Record<string, number | string | boolean> = {};
    for (const [name, sample] of Object.entries({
      codes,
      tokens,
      api_key_secrets: keys,
      generator: generated,
    })) {
      const stats = entropyOf(sample);
      figures[`${name}_n`] = sample.length;
      figures[`${name}_bits`] = stats.bits;
      figures[`${name}_unique`] = stats.unique;
      figures[`${name}_chi2`] = Math.round(stats.chiSquare);
      expect(stats.shape, name).toBe(true);
      expect(stats.bits, name).toBeGreaterThanOrEqual(128);
      expect(stats.unique, name).toBe(sample.length);
      // 255 degrees of freedom: mean 255, sd 22.6; 400 is beyond 6 sd.
      expect(stats.chiSquare, name).toBeLessThan(400);
    }
    report("security: entropy of generated secrets", figures);
  });

  it("never keeps codes, tokens, keys or the admin token in plaintext in the database, Redis, logs or errors", async () => {
    // The secrets of this file's scenarios, as the service handed them out.
    const secrets = new Set<string>([storage.adminToken, PREVIOUS_ADMIN_TOKEN]);
    const admin = clients("grpc", storage.adminToken).admin;
    const { app } = await admin.createApp({ displayName: "plaintext" });
    // A change by the previous token too: its fingerprint, not it, goes to the trail.
    await clients("grpc", PREVIOUS_ADMIN_TOKEN).admin.updateApp({ appId: app!.appId, displayName: "plain" });
    const created = await admin.createApiKey({ appId: app!.appId, name: "p", scopes: [1, 2, 3] });
    const rotated = await admin.rotateApiKey({ keyId: created.key!.keyId });
    secrets.add(created.apiKey.split(".")[1]!).add(rotated.apiKey.split(".")[1]!);
    const link = clients("grpc", created.apiKey).link;
    const spent = await link.requestAuthCode({ externalUserId: "plain" });
    const unspent = await link.requestAuthCode({ externalUserId: "plain" });
    const made = await clients("grpc", null).device.createUser({
      ...phone(),
      authenticationCode: spent.authenticationCode,
    });
    const refreshed = await clients("grpc", null).device.refreshCredentials({
      refreshToken: made.credentials!.refreshToken,
    });
    // Secrets sent where they do not belong end up in errors and logs, if anywhere.
    for (const wrong of [
      created.apiKey,
      made.credentials!.accessToken,
      storage.adminToken,
      PREVIOUS_ADMIN_TOKEN,
    ]) {
      for (const c of [clients("grpc", wrong), clients("grpc-web", wrong)]) {
        for (const call of [
          () => c.admin.listApps({}),
          () => c.link.listUsers({}),
          () => c.device.getDeviceStatus({}),
        ]) {
          await call().catch(
            (e: unknown) => e instanceof RichClientError && messages.push(e.details, JSON.stringify(e.extra)),
          );
        }
      }
    }
    await clients("grpc", null)
      .device.createUser({ ...phone(), authenticationCode: spent.authenticationCode })
      .catch((e: unknown) => e instanceof RichClientError && messages.push(e.details));
    for (const s of [
      spent.authenticationCode,
      unspent.authenticationCode,
      made.credentials!.accessToken,
      made.credentials!.refreshToken,
      refreshed.credentials!.accessToken,
      refreshed.credentials!.refreshToken,
    ]) {
      secrets.add(s);
    }
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
    const places = {
      database: rows.join("\n"),
      redis: redisValues.join("\n"),
      logs: logLines.join(""),
      errors: messages.join("\n"),
    };
    const found: string[] = [];
    for (const secret of secrets)
      for (const [place, text] of Object.entries(places)) if (text.includes(secret)) found.push(place);
    report("security: plaintext secrets", {
      secrets: secrets.size,
      database_rows: rows.length,
      redis_keys: redisValues.length / 2,
      log_lines: logLines.length,
      error_messages: messages.length,
      found_in_plaintext: found.length,
    });
    expect(found).toEqual([]);
    expect(logLines.length).toBeGreaterThan(100);
    expect(rows.length).toBeGreaterThan(100);
  });
});

/** Concurrent guesses that all pass the check before any failure is counted (see the README). */
const BURST_ALLOWANCE = 10;

/** Shape, estimated bits, uniqueness and a chi-square of the decoded bytes' frequencies. */
function entropyOf(sample: readonly string[]) {
  const shape = sample.every((s) => /^[A-Za-z0-9_-]{43}$/.test(s));
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  let minBytes = Infinity;
  for (const s of sample) {
    const bytes = Buffer.from(s, "base64url");
    minBytes = Math.min(minBytes, bytes.length);
    for (const byte of bytes) counts[byte]!++;
    total += bytes.length;
  }
  const expected = total / 256;
  const chiSquare = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
  // Uniform random bytes (the chi-square says nothing contradicts it): 8 bits each.
  return { shape, bits: minBytes * 8, unique: new Set(sample).size, chiSquare };
}
