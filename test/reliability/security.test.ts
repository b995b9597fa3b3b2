import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { createChannel, Status, type Channel } from "nice-grpc";
import { RetryInfo, RichClientError } from "nice-grpc-error-details";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestsEqual, generateSecret, hashSecret } from "../../src/domain/secrets.js";
import { ApiKeyScope } from "../../src/gen/userlink/v1/types.js";
import { startUserlink, type RunningUserlink } from "../../src/main.js";
import { phone } from "../support/flow.js";
import { configFor, createStorage, type Storage } from "../support/userlink-server.js";
import { BURST_ALLOWANCE, deviceFrom, guessFrom } from "./support/code-guesses.js";
import { credentialMatrix } from "./support/credential-matrix.js";
import { outcomeOf } from "./support/outcomes.js";
import { byProfile, report } from "./support/report.js";
import { entropyOf, issuedSecrets } from "./support/secret-samples.js";
import { clientsOf, type Clients, type Transport } from "./support/security-clients.js";
import { storedText } from "./support/stored-text.js";

const SCOPE = ApiKeyScope;
/** The admin token being rotated out: `running` accepts it beside the current one. */
const PREVIOUS_ADMIN_TOKEN = `previous-admin-${generateSecret()}`;

describe("security (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let running: RunningUserlink;
  let limited: RunningUserlink;
  let channel: Channel;
  const logLines: string[] = [];
  /** Every client-visible error message, searched for secrets too. */
  const messages: string[] = [];

  const clients = (transport: Transport, bearer: string | null, target: RunningUserlink = running): Clients =>
    clientsOf(target, transport, bearer, target === running ? channel : undefined);

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
    const { kinds, methods, expected, linkOnly, redeem } = await credentialMatrix(
      clients,
      storage.adminToken,
      PREVIOUS_ADMIN_TOKEN,
    );

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
    const device = (address: string) => deviceFrom(limited, address);
    const guess = (address: string) => guessFrom(limited, address);
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
    const samples = await issuedSecrets(clients, storage.adminToken);
    const generated = Array.from({ length: 10_000 }, generateSecret);
    const figures: Record<string, number | string | boolean> = {};
    for (const [name, sample] of Object.entries({
      ...samples,
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
    const { rows, redisValues } = await storedText(storage);
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
