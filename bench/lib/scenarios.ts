import { randomBytes } from "node:crypto";
import { RequestAuthCodeRequest } from "../../src/gen/userlink/v1/link_service.js";
import { seededAccessToken, seededExternalId } from "./database.js";
import { frame } from "./grpc-frames.js";
import { grpcHeaders, grpcWebCall, h2, METHOD, webHeaders, type Context, type Scenario } from "./scenario.js";
import { bodies, issueCodes, PATHS } from "./service-calls.js";
import { SETTINGS } from "./settings.js";

/** A fresh external id per run: a code request never creates the user, so one body stays "new". */
const NEW_EXTERNAL_ID = `bench-new-${randomBytes(6).toString("hex")}`;
/** Users 1..users-1 are restored; the last one keeps its device for GetDeviceStatus. */
const statusUser = (ctx: Context) => ctx.users;

/** The i-th (round robin) of the seeded devices that nothing before the restorations replaces. */
function untouchedDevice(ctx: Context, i: number): number {
  const first = Math.min(ctx.untouchedFrom, ctx.users - 1);
  return first + (i % (ctx.users - first));
}

function createUserScenario(name: string, pickExternalId: (ctx: Context, i: number) => string): Scenario {
  return {
    name,
    method: METHOD.createUser,
    ceiling:
      name === "CreateUser (new user)" ? "pgbench CreateUser SQL (new)" : "pgbench CreateUser SQL (restore)",
    async load(ctx, rate) {
      // Every call redeems a code of its own: issued beforehand, outside the window.
      // Full load: enough for 1,500/s (a faster run ends early when they run out, and its
      // rate is still over the time it ran).
      const expected = rate ?? 1500;
      const count = Math.ceil(expected * (SETTINGS.durationS + 1));
      const offset = Math.floor(Math.random() * 1e9);
      const codes = await issueCodes(
        ctx.grpcUrl,
        ctx.apiKey,
        Array.from({ length: count }, (_, i) => pickExternalId(ctx, offset + i)),
      );
      return {
        kind: "raw",
        options: {
          url: ctx.grpcUrl,
          connections: SETTINGS.connections,
          concurrency: SETTINGS.connections * SETTINGS.streamsPerConnection,
          ...(rate !== undefined && { rate }),
          durationMs: SETTINGS.durationS * 1000,
          next: (i) =>
            i < codes.length ? { path: PATHS.createUser, body: bodies.createUser(codes[i]!) } : null,
        },
      };
    },
    async check(ctx) {
      const [code] = await issueCodes(ctx.grpcUrl, ctx.apiKey, [
        pickExternalId(ctx, Math.floor(Math.random() * 1e9)),
      ]);
      const answer = await ctx.clients.device().createUser({
        authenticationCode: code!,
        requestId: `check-${randomBytes(4).toString("hex")}`,
        device: { platform: 1, deviceType: 1, model: "bench", osVersion: "17.0" },
      });
      if (!answer.userId) throw new Error(`${name}: no user in the answer`);
    },
  };
}

/** In the order they run: the restorations replace the devices GetDeviceStatus reads first. */
export const SCENARIOS: Scenario[] = [
  {
    name: "Health/Check (gRPC)",
    method: METHOD.health,
    ceiling: "",
    load: async (ctx, rate) => h2(ctx, rate, bodies.empty(), grpcHeaders(), PATHS.health),
    async check(ctx) {
      await ctx.clients.health().check({ service: "" });
    },
  },
  {
    name: "Health/Check (gRPC-Web)",
    method: METHOD.health,
    ceiling: "",
    load: async (ctx, rate) => h2(ctx, rate, bodies.empty(), webHeaders(), PATHS.health, true),
    async check(ctx) {
      const status = await grpcWebCall(ctx, PATHS.health, bodies.empty());
      if (status !== 0) throw new Error(`gRPC-Web health: grpc-status ${status}`);
    },
  },
  {
    name: "RequestAuthCode (new user)",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(ctx, rate, bodies.requestAuthCode(NEW_EXTERNAL_ID), grpcHeaders(ctx.apiKey), PATHS.requestAuthCode),
    async check(ctx) {
      const answer = await ctx.clients.link(ctx.apiKey).requestAuthCode({ externalUserId: NEW_EXTERNAL_ID });
      if (answer.existingUser) throw new Error("the new user exists");
    },
  },
  {
    name: "RequestAuthCode (existing user)",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.requestAuthCode(seededExternalId(2)),
        grpcHeaders(ctx.apiKey),
        PATHS.requestAuthCode,
      ),
    async check(ctx) {
      const answer = await ctx.clients
        .link(ctx.apiKey)
        .requestAuthCode({ externalUserId: seededExternalId(2) });
      if (!answer.existingUser) throw new Error("the existing user was not found");
    },
  },
  {
    name: "GetDeviceStatus",
    method: METHOD.getDeviceStatus,
    ceiling: "Health/Check (gRPC)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.getDeviceStatus(),
        grpcHeaders(seededAccessToken(statusUser(ctx))),
        PATHS.getDeviceStatus,
      ),
    async check(ctx) {
      const answer = await ctx.clients.device(seededAccessToken(statusUser(ctx))).getDeviceStatus({});
      if (answer.deviceState !== 1) throw new Error(`GetDeviceStatus: state ${answer.deviceState}`);
    },
  },
  {
    // Every call a different device (the seeded ones, round robin), as in production:
    // a batch of lookups then carries as many tokens as calls. Before the restorations,
    // which deactivate these devices; past those whose devices earlier restorations
    // replaced (ctx.untouchedFrom), and short of the last, kept for the one above.
    name: "GetDeviceStatus (many devices)",
    method: METHOD.getDeviceStatus,
    ceiling: "Health/Check (gRPC)",
    load: (ctx, rate) =>
      Promise.resolve({
        kind: "raw" as const,
        options: {
          url: ctx.grpcUrl,
          connections: SETTINGS.connections,
          concurrency: SETTINGS.connections * SETTINGS.streamsPerConnection,
          ...(rate !== undefined && { rate }),
          durationMs: SETTINGS.durationS * 1000,
          next: (i: number) => ({
            path: PATHS.getDeviceStatus,
            body: bodies.getDeviceStatus(),
            headers: { authorization: `Bearer ${seededAccessToken(untouchedDevice(ctx, i))}` },
          }),
        },
      }),
    async check(ctx) {
      const answer = await ctx.clients.device(seededAccessToken(untouchedDevice(ctx, 0))).getDeviceStatus({});
      if (answer.deviceState !== 1) throw new Error(`GetDeviceStatus: state ${answer.deviceState}`);
    },
  },
  createUserScenario("CreateUser (new user)", (_ctx, i) => `bench-created-${process.pid}-${i}`),
  createUserScenario("CreateUser (restore + replace)", (ctx, i) =>
    seededExternalId(1 + (i % (ctx.users - 1))),
  ),
  {
    name: "gRPC-Web RequestAuthCode",
    method: METHOD.requestAuthCode,
    ceiling: "Health/Check (gRPC-Web)",
    load: async (ctx, rate) =>
      h2(
        ctx,
        rate,
        bodies.requestAuthCode(NEW_EXTERNAL_ID),
        webHeaders(ctx.apiKey),
        PATHS.requestAuthCode,
        true,
      ),
    async check(ctx) {
      const body = frame(RequestAuthCodeRequest.encode({ externalUserId: NEW_EXTERNAL_ID }).finish());
      const status = await grpcWebCall(ctx, PATHS.requestAuthCode, body, ctx.apiKey);
      if (status !== 0) throw new Error(`gRPC-Web RequestAuthCode: grpc-status ${status}`);
    },
  },
];

/**
 * The health check a method's half load is held against at the same rate: through the
 * translator for gRPC-Web, over h2c for the rest; none for the health checks themselves.
 */
export function healthReference(scenario: Scenario): Scenario | undefined {
  if (scenario.ceiling === "") return undefined;
  const name = scenario.name.startsWith("gRPC-Web") ? "Health/Check (gRPC-Web)" : "Health/Check (gRPC)";
  return SCENARIOS.find((s) => s.name === name);
}
