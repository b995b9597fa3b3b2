import { status as GrpcStatus } from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { Metadata, Status, createClient } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timestamp } from "../../src/gen/google/protobuf/timestamp.js";
import {
  AdminServiceDefinition,
  CreateApiKeyRequest,
  CreateAppRequest,
} from "../../src/gen/userlink/v1/admin_service.js";
import { CreateUserRequest } from "../../src/gen/userlink/v1/device_service.js";
import { RequestAuthCodeRequest } from "../../src/gen/userlink/v1/link_service.js";
import { HealthDefinition } from "nice-grpc-server-health";
import { createAppWithKey, linkDevice, phone } from "../support/flow.js";
import { frame, rawGrpcWeb } from "../support/grpc-web-raw.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { outcomeOf } from "./support/outcomes.js";
import { RawGrpc, rawMessage } from "./support/raw-calls.js";
import { byProfile, report } from "./support/report.js";

const RUNS = byProfile(150, 1_000);
const RAW_RUNS = byProfile(120, 800);

/** Characters that break naive code: NUL and other controls, lone surrogates, BOM, bidi, U+FFFD. */
const SPECIALS = [
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\ud800",
  "\udfff",
  "\ufeff",
  "\u202e",
  "\ufffd",
  "é",
  "𝄞",
];
const unit = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
);
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 250, maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "x".repeat(70_000), "é".repeat(30_000), "\u0000".repeat(2_000)),
  },
  { weight: 1, arbitrary: fc.uuid() },
);
const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -3, max: 5 }));
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const duration = fc.option(
  fc.record({ seconds: fc.oneof(int64, fc.integer({ min: -10, max: 4000 }).map(String)), nanos: int32 }),
  { nil: undefined },
);
const jsonObject = fc.option(
  fc.dictionary(fc.string({ unit, maxLength: 8 }), fc.jsonValue({ maxDepth: 4, stringUnit: unit }), {
    maxKeys: 6,
  }),
  { nil: undefined },
);
const bearerText = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~+/= ".split("")), maxLength: 80 });

/** Flips, cuts, inserts, repeats or appends bytes of a valid message. */
function mutated(valid: Uint8Array) {
  return fc
    .tuple(
      fc.constantFrom("flip", "truncate", "insert", "append", "duplicate"),
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
    )
    .map(([how, at, bytes]) => {
      const i = valid.length === 0 ? 0 : at % valid.length;
      const v = Buffer.from(valid);
      switch (how) {
        case "flip":
          if (v.length > 0) v[i] = v[i]! ^ (bytes[0]! || 1);
          return v;
        case "truncate":
          return v.subarray(0, i);
        case "insert":
          return Buffer.concat([v.subarray(0, i), bytes, v.subarray(i)]);
        case "append":
          return Buffer.concat([v, bytes]);
        default:
          return Buffer.concat([v, v.subarray(i)]);
      }
    });
}

describe("bad input: every field, raw bytes over gRPC and gRPC-Web (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let apiKey: string;
  let appId: string;
  let accessToken: string;
  let goneToken: string;
  let raw: RawGrpc;
  const tally: Record<string, number> = {};
  let inputs = 0;
  const count = (outcome: string) => {
    inputs++;
    tally[outcome] = (tally[outcome] ?? 0) + 1;
  };
  /** A bad answer: INTERNAL or UNKNOWN, or an error without its ErrorInfo. */
  const bad = (outcome: string) =>
    /^(INTERNAL|UNKNOWN|THREW)\//.test(outcome) || (outcome !== "OK" && outcome.endsWith("/-"));

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage, {
      USERLINK_RATE_KEY_MAX: "0",
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0",
    });
    ({ apiKey, appId } = await createAppWithKey(server));
    accessToken = (await linkDevice(server, apiKey, "fuzzed-device")).credentials!.accessToken;
    const gone = await linkDevice(server, apiKey, "reset-device");
    await server.device(gone.credentials!.accessToken).resetDevice({});
    goneToken = gone.credentials!.accessToken;
    raw = new RawGrpc(server.address);
  });
  afterAll(async () => {
    raw?.close();
    await server?.stop();
    await storage?.destroy();
  });

  async function expectServing(): Promise<void> {
    const health = await createClient(HealthDefinition, server.raw()).check({ service: "" });
    expect(health.status).toBe(1);
    const created = await linkDevice(server, apiKey, `still-serving-${inputs}`);
    expect(created.userId).not.toBe("");
  }

  /** Records an outcome the call already named (raw calls). */
  const named = (error: unknown) => (error instanceof RawOutcome ? error.outcome : outcomeOf(error));

  /** Runs one property over a method: whatever the input, the answer is not INTERNAL/UNKNOWN. */
  async function property<T>(name: string, arbitrary: fc.Arbitrary<T>, call: (value: T) => Promise<unknown>) {
    const seen: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        const outcome = await call(value).then(() => "OK", named);
        count(outcome);
        seen[outcome] = (seen[outcome] ?? 0) + 1;
        return !bad(outcome);
      }),
      { numRuns: RUNS },
    );
    return seen;
  }

  it("answers generated values in every field of every request without INTERNAL", async () => {
    const link = server.link(apiKey);
    const device = server.device(accessToken);
    const admin = server.admin;
    const started = performance.now();
    const before = inputs;
    await property("RequestAuthCode", text, (externalUserId) => link.requestAuthCode({ externalUserId }));
    const selector = fc.option(
      fc.oneof(
        text.map((value) => ({ $case: "externalUserId" as const, value })),
        text.map((value) => ({ $case: "userId" as const, value })),
      ),
      { nil: undefined },
    );
    await property("GetUser", selector, (user) => link.getUser({ user }));
    await property("ListUsers", fc.record({ pageSize: int32, pageToken: text }), (r) => link.listUsers(r));
    await property("DeleteUser", selector, (user) => link.deleteUser({ user }));
    const createUser = fc.record({
      authenticationCode: text,
      requestId: text,
      app: fc.option(fc.record({ appVersion: text, sdkVersion: text }), { nil: undefined }),
      device: fc.option(fc.record({ platform: int32, deviceType: int32, model: text, osVersion: text }), {
        nil: undefined,
      }),
    });
    await property("CreateUser", createUser, (r) => server.device().createUser(r));
    // The same, with a real code each time: the fields are then checked before the code is spent.
    await property("CreateUser with a real code", createUser, async (r) => {
      const { authenticationCode } = await link.requestAuthCode({ externalUserId: "fuzzed-redeemer" });
      return server.device().createUser({ ...r, authenticationCode });
    });
    await property("RefreshCredentials", text, (refreshToken) =>
      server.device().refreshCredentials({ refreshToken }),
    );
    const bearer = fc.option(bearerText, { nil: undefined });
    await property("GetDeviceStatus (bearer)", bearer, (token) => server.device(token).getDeviceStatus({}));
    await property("ResetDevice (bearer)", bearer, (token) => server.device(token).resetDevice({}));
    await property("WatchDeviceStatus (bearer)", bearer, async (token) => {
      for await (const _ of server.device(token).watchDeviceStatus({})) break;
    });
    const createApp = fc.record({ displayName: text, sdkConfig: jsonObject, authCodeTtl: duration });
    await property("CreateApp", createApp, (r) => admin.createApp(r));
    await property("GetApp", text, (id) => admin.getApp({ appId: id }));
    await property("ListApps", fc.record({ pageSize: int32, pageToken: text }), (r) => admin.listApps(r));
    await property(
      "UpdateApp",
      fc.record({
        appId: fc.oneof(text, fc.constant(appId)),
        displayName: fc.option(text, { nil: undefined }),
        sdkConfig: jsonObject,
        authCodeTtl: duration,
      }),
      (r) => admin.updateApp(r),
    );
    await property(
      "CreateApiKey (timestamps raw)",
      fc.record({
        appId: fc.oneof(text, fc.constant(appId)),
        name: text,
        scopes: fc.array(int32, { maxLength: 6 }),
        expiresAt: fc.option(fc.record({ seconds: int64, nanos: int32 }), { nil: undefined }),
      }),
      async ({ expiresAt, ...rest }) => {
        // Timestamps go raw: ts-proto's Date cannot carry seconds outside its range.
        const writer = CreateApiKeyRequest.encode(CreateApiKeyRequest.fromPartial(rest));
        if (expiresAt) Timestamp.encode(expiresAt, writer.uint32(34).fork()).join();
        const outcome = await raw.outcome(
          "/userlink.v1.AdminService/CreateApiKey",
          Buffer.from(writer.finish()),
          {
            authorization: `Bearer ${storage.adminToken}`,
          },
        );
        if (outcome !== "OK") throw new RawOutcome(outcome);
      },
    );
    await property(
      "ListApiKeys",
      fc.record({ appId: fc.oneof(text, fc.constant(appId)), pageSize: int32, pageToken: text }),
      (r) => admin.listApiKeys(r),
    );
    await property("RevokeApiKey", text, (keyId) => admin.revokeApiKey({ keyId }));
    await property("RotateApiKey", fc.record({ keyId: text, gracePeriod: duration }), (r) =>
      admin.rotateApiKey(r),
    );
    await property(
      "SetUserDisabled",
      fc.record({ appId: fc.oneof(text, fc.constant(appId)), userId: text, disabled: fc.boolean() }),
      (r) => admin.setUserDisabled(r),
    );
    // The admin reads (issue 14), with the real app among the generated ids.
    const someApp = fc.oneof(text, fc.constant(appId));
    await property(
      "ListUsers (admin)",
      fc.record({ appId: someApp, pageSize: int32, pageToken: text, externalUserIdPrefix: text }),
      (r) => admin.listUsers(r),
    );
    await property("GetUser (admin)", fc.record({ appId: someApp, user: selector }), (r) => admin.getUser(r));
    await property("DeleteUser (admin)", fc.record({ appId: someApp, user: selector }), (r) =>
      admin.deleteUser(r),
    );
    await property(
      "ListAuditEvents",
      fc.record({ appId: someApp, userId: text, pageSize: int32, pageToken: text }),
      (r) => admin.listAuditEvents(r),
    );
    // Tokens that look right but are not: the bearer path past the format check.
    await property(
      "GetDeviceStatus (well-formed token)",
      fc.string({ unit: fc.constantFrom(..."abcdefgh-_"), minLength: 43, maxLength: 43 }),
      (t) => server.device(t).getDeviceStatus({}),
    );
    expect(device).toBeDefined();
    await expectServing();
    report("bad input: generated field values (fast-check)", {
      inputs: inputs - before,
      runs_per_property: RUNS,
      internal_or_unknown: badCount(tally),
      crashes: 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  const METHODS: {
    path: string;
    auth: "key" | "device" | "admin" | "none";
    valid: Uint8Array;
    stream?: boolean;
  }[] = [
    {
      path: "/userlink.v1.LinkService/RequestAuthCode",
      auth: "key",
      valid: RequestAuthCodeRequest.encode({ externalUserId: "raw" }).finish(),
    },
    { path: "/userlink.v1.LinkService/GetUser", auth: "key", valid: rawMessage([[1, Buffer.from("raw")]]) },
    { path: "/userlink.v1.LinkService/ListUsers", auth: "key", valid: Buffer.from([8, 10]) },
    {
      path: "/userlink.v1.LinkService/DeleteUser",
      auth: "key",
      valid: rawMessage([[1, Buffer.from("nobody")]]),
    },
    {
      path: "/userlink.v1.DeviceService/CreateUser",
      auth: "none",
      valid: CreateUserRequest.encode(
        CreateUserRequest.fromPartial({ ...phone(), authenticationCode: "x".repeat(43) }),
      ).finish(),
    },
    {
      path: "/userlink.v1.DeviceService/RefreshCredentials",
      auth: "none",
      valid: rawMessage([[1, Buffer.from("y".repeat(43))]]),
    },
    { path: "/userlink.v1.DeviceService/GetDeviceStatus", auth: "device", valid: new Uint8Array() },
    {
      path: "/userlink.v1.DeviceService/WatchDeviceStatus",
      auth: "device",
      valid: new Uint8Array(),
      stream: true,
    },
    { path: "/userlink.v1.DeviceService/ResetDevice", auth: "none", valid: new Uint8Array() },
    {
      path: "/userlink.v1.AdminService/CreateApp",
      auth: "admin",
      valid: CreateAppRequest.encode(
        CreateAppRequest.fromPartial({ displayName: "raw", sdkConfig: { a: [1, "b", { c: null }] } }),
      ).finish(),
    },
    { path: "/userlink.v1.AdminService/GetApp", auth: "admin", valid: rawMessage([[1, Buffer.from("raw")]]) },
    { path: "/userlink.v1.AdminService/ListApps", auth: "admin", valid: Buffer.from([8, 2]) },
    {
      path: "/userlink.v1.AdminService/UpdateApp",
      auth: "admin",
      valid: rawMessage([
        [1, Buffer.from("raw")],
        [2, Buffer.from("n")],
      ]),
    },
    {
      path: "/userlink.v1.AdminService/CreateApiKey",
      auth: "admin",
      valid: CreateApiKeyRequest.encode(
        CreateApiKeyRequest.fromPartial({ appId: "raw", name: "k", scopes: [1, 2] }),
      ).finish(),
    },
    {
      path: "/userlink.v1.AdminService/ListApiKeys",
      auth: "admin",
      valid: rawMessage([[1, Buffer.from("raw")]]),
    },
    {
      path: "/userlink.v1.AdminService/RevokeApiKey",
      auth: "admin",
      valid: rawMessage([[1, Buffer.from("raw")]]),
    },
    {
      path: "/userlink.v1.AdminService/RotateApiKey",
      auth: "admin",
      valid: rawMessage([[1, Buffer.from("raw")]]),
    },
    {
      path: "/userlink.v1.AdminService/SetUserDisabled",
      auth: "admin",
      valid: rawMessage([
        [1, Buffer.from("a")],
        [2, Buffer.from("b")],
      ]),
    },
    {
      path: "/userlink.v1.AdminService/ListUsers",
      auth: "admin",
      valid: rawMessage([
        [1, Buffer.from("raw")],
        [4, Buffer.from("pre")],
      ]),
    },
    {
      path: "/userlink.v1.AdminService/GetUser",
      auth: "admin",
      valid: rawMessage([
        [1, Buffer.from("raw")],
        [2, Buffer.from("x")],
      ]),
    },
    {
      path: "/userlink.v1.AdminService/DeleteUser",
      auth: "admin",
      valid: rawMessage([
        [1, Buffer.from("raw")],
        [3, Buffer.from("x")],
      ]),
    },
    {
      path: "/userlink.v1.AdminService/ListAuditEvents",
      auth: "admin",
      valid: rawMessage([[1, Buffer.from("raw")]]),
    },
  ];
  const headers = (auth: string, deviceToken: string): Record<string, string> =>
    auth === "key"
      ? { authorization: `Bearer ${apiKey}` }
      : auth === "device"
        ? { authorization: `Bearer ${deviceToken}` }
        : auth === "admin"
          ? { authorization: `Bearer ${storage.adminToken}` }
          : {};
  const bytesFor = (valid: Uint8Array) =>
    fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      mutated(valid),
    );

  it("answers random and mutated bytes on every method over gRPC without INTERNAL", async () => {
    const started = performance.now();
    const before = inputs;
    const perMethod: Record<string, number> = {};
    for (const method of METHODS) {
      await fc.assert(
        fc.asyncProperty(bytesFor(method.valid), async (body) => {
          const code = await raw.call(method.path, body, headers(method.auth, accessToken), method.stream);
          const outcome = `${GrpcStatus[code]}/raw`;
          count(outcome);
          perMethod[outcome] = (perMethod[outcome] ?? 0) + 1;
          return code !== GrpcStatus.INTERNAL && code !== GrpcStatus.UNKNOWN;
        }),
        { numRuns: RAW_RUNS },
      );
    }
    await expectServing();
    report("bad input: random and mutated bytes over gRPC", {
      methods: METHODS.length,
      inputs: inputs - before,
      internal_or_unknown: badCount(perMethod),
      crashes: 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  it("answers random and mutated bytes and frames on every method over gRPC-Web without INTERNAL", async () => {
    const started = performance.now();
    let tried = 0;
    let failures = 0;
    const statuses: Record<string, number> = {};
    const frames = (valid: Uint8Array) =>
      fc.oneof(
        bytesFor(valid).map((b) => ({ body: frame(b), text: false })),
        bytesFor(valid).map((b) => ({ body: frame(b).toString("base64"), text: true })),
        // The frame itself broken: any bytes, a length that lies, a trailer or compressed flag.
        fc.uint8Array({ maxLength: 64 }).map((b) => ({ body: Buffer.from(b), text: false })),
        fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 255 })).map(([length, flags]) => {
          const header = Buffer.alloc(5);
          header.writeUInt8(flags, 0);
          header.writeUInt32BE(length, 1);
          return { body: Buffer.concat([header, Buffer.from(valid)]), text: false };
        }),
        fc.string({ maxLength: 40 }).map((s) => ({ body: s, text: true })),
      );
    for (const method of METHODS) {
      await fc.assert(
        fc.asyncProperty(frames(method.valid), async ({ body, text: textMode }) => {
          // Through gRPC-Web, a device token that is no longer valid: an open stream would never end.
          const answer = await rawGrpcWeb(server.grpcWebUrl, {
            path: method.path,
            body: typeof body === "string" ? body : body,
            text: textMode,
            headers: headers(method.auth, goneToken),
          });
          tried++;
          const name = `${answer.httpStatus}/${answer.status ?? "none"}`;
          statuses[name] = (statuses[name] ?? 0) + 1;
          const ok = answer.httpStatus < 500 && answer.status !== 2 && answer.status !== 13;
          if (!ok) failures++;
          return ok;
        }),
        { numRuns: RAW_RUNS },
      );
    }
    inputs += tried;
    await expectServing();
    report("bad input: random and mutated bytes and frames over gRPC-Web", {
      methods: METHODS.length,
      inputs: tried,
      internal_or_unknown: failures,
      crashes: 0,
      statuses: Object.entries(statuses)
        .map(([k, v]) => `${k}:${v}`)
        .join(","),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  it("refuses oversize messages, invalid UTF-8, deep nesting and huge repeated fields with INVALID_ARGUMENT", async () => {
    const admin = { authorization: `Bearer ${storage.adminToken}` };
    const key = { authorization: `Bearer ${apiKey}` };
    const cases: {
      name: string;
      path: string;
      body: Buffer;
      metadata: Record<string, string>;
      expect: GrpcStatus[];
    }[] = [];
    const add = (
      name: string,
      path: string,
      body: Buffer,
      metadata: Record<string, string>,
      ...expected: GrpcStatus[]
    ) => cases.push({ name, path, body, metadata, expect: expected });

    for (const size of [64 * 1024 + 1, 1024 * 1024, 4 * 1024 * 1024]) {
      add(
        `external_user_id of ${size} bytes`,
        "/userlink.v1.LinkService/RequestAuthCode",
        rawMessage([[1, Buffer.alloc(size, "x")]]),
        key,
        GrpcStatus.INVALID_ARGUMENT,
        // Over grpc-js' own receive limit (1 MiB): refused before any code runs.
        GrpcStatus.RESOURCE_EXHAUSTED,
      );
    }
    const invalidUtf8 = [
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
    ];
    const stringFields: [string, number, Record<string, string>][] = [
      ["/userlink.v1.LinkService/RequestAuthCode", 1, key],
      ["/userlink.v1.LinkService/GetUser", 1, key],
      ["/userlink.v1.LinkService/GetUser", 2, key],
      ["/userlink.v1.LinkService/ListUsers", 2, key],
      ["/userlink.v1.LinkService/DeleteUser", 1, key],
      ["/userlink.v1.DeviceService/CreateUser", 1, {}],
      ["/userlink.v1.DeviceService/CreateUser", 2, {}],
      ["/userlink.v1.DeviceService/RefreshCredentials", 1, {}],
      ["/userlink.v1.AdminService/CreateApp", 1, admin],
      ["/userlink.v1.AdminService/GetApp", 1, admin],
      ["/userlink.v1.AdminService/UpdateApp", 2, admin],
      ["/userlink.v1.AdminService/CreateApiKey", 2, admin],
      ["/userlink.v1.AdminService/RevokeApiKey", 1, admin],
      ["/userlink.v1.AdminService/SetUserDisabled", 2, admin],
      ["/userlink.v1.AdminService/ListUsers", 4, admin],
      ["/userlink.v1.AdminService/GetUser", 2, admin],
      ["/userlink.v1.AdminService/DeleteUser", 3, admin],
      ["/userlink.v1.AdminService/ListAuditEvents", 2, admin],
    ];
    for (const [path, field, metadata] of stringFields) {
      for (const bytes of invalidUtf8) {
        add(
          `invalid UTF-8 in ${path} field ${field}`,
          path,
          rawMessage([[field, Buffer.concat([Buffer.from("ok"), bytes])]]),
          metadata,
          GrpcStatus.INVALID_ARGUMENT,
        );
      }
    }
    // Nested messages: device.model (CreateUser 4.3) and app.app_version (3.1).
    add(
      "invalid UTF-8 in device.model",
      "/userlink.v1.DeviceService/CreateUser",
      rawMessage([[4, rawMessage([[3, Buffer.from([0xc0, 0xaf])]])]]),
      {},
      GrpcStatus.INVALID_ARGUMENT,
    );
    add(
      "invalid UTF-8 in app.app_version",
      "/userlink.v1.DeviceService/CreateUser",
      rawMessage([[3, rawMessage([[1, Buffer.from([0xe0, 0x80])]])]]),
      {},
      GrpcStatus.INVALID_ARGUMENT,
    );
    // An sdk_config key that is invalid UTF-8 (Struct field 1 → entry key 1).
    add(
      "invalid UTF-8 in an sdk_config key",
      "/userlink.v1.AdminService/CreateApp",
      rawMessage([
        [1, Buffer.from("n")],
        [2, rawMessage([[1, rawMessage([[1, Buffer.from([0xff])]])]])],
      ]),
      admin,
      GrpcStatus.INVALID_ARGUMENT,
    );

    // sdk_config nested as deep as fits in 64 KiB, in Structs and in lists.
    const deepStruct = (depth: number): Buffer => {
      let value = rawMessage([]); // an empty Struct
      for (let i = 0; i < depth; i++) {
        const asValue = rawMessage([[5, value]]); // Value.struct_value
        const entry = rawMessage([
          [1, Buffer.from("a")],
          [2, asValue],
        ]);
        value = rawMessage([[1, entry]]);
      }
      return value;
    };
    const deepList = (depth: number): Buffer => {
      let value = rawMessage([[6, rawMessage([])]]); // Value.list_value, empty
      for (let i = 0; i < depth; i++) value = rawMessage([[6, rawMessage([[1, value]])]]);
      return rawMessage([
        [
          1,
          rawMessage([
            [1, Buffer.from("l")],
            [2, value],
          ]),
        ],
      ]);
    };
    for (const depth of [1_000, 5_000]) {
      add(
        `sdk_config Structs nested ${depth} deep`,
        "/userlink.v1.AdminService/CreateApp",
        rawMessage([
          [1, Buffer.from("deep")],
          [2, deepStruct(depth)],
        ]),
        admin,
        GrpcStatus.INVALID_ARGUMENT,
      );
      add(
        `sdk_config lists nested ${depth} deep`,
        "/userlink.v1.AdminService/CreateApp",
        rawMessage([
          [1, Buffer.from("deep")],
          [2, deepList(depth)],
        ]),
        admin,
        GrpcStatus.INVALID_ARGUMENT,
      );
    }
    // Scopes repeated: packed 100k (over 64 KiB), unpacked 30k (under it), valid and unknown values.
    const packed = (count: number, value: number) => {
      const w = new BinaryWriter().uint32(10).string(appId).uint32(18).string("k").uint32(26).fork();
      for (let i = 0; i < count; i++) w.int32(value);
      return Buffer.from(w.join().finish());
    };
    const unpacked = (count: number, value: number) => {
      const w = new BinaryWriter().uint32(10).string(appId).uint32(18).string("k");
      for (let i = 0; i < count; i++) w.tag(3, WireType.Varint).int32(value);
      return Buffer.from(w.finish());
    };
    add(
      "scopes packed 100k times",
      "/userlink.v1.AdminService/CreateApiKey",
      packed(100_000, 1),
      admin,
      GrpcStatus.INVALID_ARGUMENT,
    );
    add(
      "scopes unpacked 30k times",
      "/userlink.v1.AdminService/CreateApiKey",
      unpacked(30_000, 2),
      admin,
      GrpcStatus.INVALID_ARGUMENT,
    );
    add(
      "unknown scopes 30k times",
      "/userlink.v1.AdminService/CreateApiKey",
      unpacked(30_000, 99),
      admin,
      GrpcStatus.INVALID_ARGUMENT,
    );
    add(
      "unknown scopes 20k times, packed",
      "/userlink.v1.AdminService/CreateApiKey",
      packed(20_000, 7),
      admin,
      GrpcStatus.INVALID_ARGUMENT,
    );
    // Expiry times a Date (or Postgres) cannot hold, on an otherwise valid key of an app with room.
    const roomy = await createAppWithKey(server);
    for (const seconds of [
      "9223372036854775807",
      "-9223372036854775808",
      "9300000000000",
      "253402300800",
      "-62135596801",
    ]) {
      const w = CreateApiKeyRequest.encode(
        CreateApiKeyRequest.fromPartial({ appId: roomy.appId, name: "far", scopes: [1] }),
      );
      Timestamp.encode({ seconds, nanos: 0 }, w.uint32(34).fork()).join();
      add(
        `expires_at of ${seconds} s`,
        "/userlink.v1.AdminService/CreateApiKey",
        Buffer.from(w.finish()),
        admin,
        GrpcStatus.INVALID_ARGUMENT,
      );
    }
    // Unknown fields by the thousand, and a field number at the very top of the range.
    const unknown = new BinaryWriter();
    for (let i = 0; i < 10_000; i++) unknown.tag(1000 + i, WireType.Varint).int32(i);
    add(
      "10k unknown fields",
      "/userlink.v1.AdminService/ListApps",
      Buffer.from(unknown.finish()),
      admin,
      GrpcStatus.OK,
    );
    add(
      "field number 2^29-1",
      "/userlink.v1.AdminService/ListApps",
      Buffer.from(
        new BinaryWriter()
          .tag(2 ** 29 - 1, WireType.Varint)
          .int32(1)
          .finish(),
      ),
      admin,
      GrpcStatus.OK,
    );

    const outcomes: string[] = [];
    for (const c of cases) {
      const code = await raw.call(c.path, c.body, c.metadata);
      count(`${GrpcStatus[code]}/raw`);
      outcomes.push(`${c.name}: ${GrpcStatus[code]}`);
      expect
        .soft(
          c.expect.map((s) => GrpcStatus[s]),
          c.name,
        )
        .toContain(GrpcStatus[code]);
    }
    // Through the generated client too. ts-proto's decoder stops at 100 nested messages
    // (a Struct level is three: Struct, entry, Value), so 30 levels pass and 200 do not.
    const nest = (depth: number) => {
      const root: Record<string, unknown> = {};
      let cursor = root;
      for (let i = 0; i < depth; i++) cursor = (cursor.a = {}) as Record<string, unknown>;
      return root;
    };
    const shallow = await server.admin
      .createApp({ displayName: "deep", sdkConfig: nest(30) })
      .then(() => "OK", outcomeOf);
    expect(shallow).toBe("OK");
    const deepError = await server.admin.createApp({ displayName: "deep", sdkConfig: nest(200) }).then(
      () => null,
      (e: Error) => e,
    );
    const deep = outcomeOf(deepError ?? undefined);
    expect(deep).toBe("INVALID_ARGUMENT/INVALID_ARGUMENT");
    expect(deepError?.message).toContain("nests messages too deeply");
    const nul = await server.admin
      .createApp({ displayName: "nul", sdkConfig: { "k\u0000": "v\u0000" } })
      .then(() => "OK", outcomeOf);
    expect(nul).toBe("INVALID_ARGUMENT/INVALID_ARGUMENT");
    const huge = await createClient(AdminServiceDefinition, server.raw(), {
      "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
    })
      .createApiKey({ appId, name: "k", scopes: Array.from({ length: 100_000 }, () => 1) })
      .then(
        () => Status.OK,
        (e: { code: Status }) => e.code,
      );
    expect(huge).toBe(Status.INVALID_ARGUMENT);
    await expectServing();
    report("bad input: oversize, invalid UTF-8, deep and huge repeated fields", {
      inputs: cases.length + 3,
      internal_or_unknown: outcomes.filter((o) => /: (INTERNAL|UNKNOWN)$/.test(o)).length,
      struct_30_deep_via_client: shallow,
      struct_200_deep_via_client: deep,
      nul_in_sdk_config: nul,
      crashes: 0,
    });
    report("bad input: all", {
      inputs,
      internal_or_unknown: badCount(tally),
      crashes: 0,
      server_serving: true,
    });
    expect(badCount(tally)).toBe(0);
  });
});

function badCount(tally: Record<string, number>): number {
  return Object.entries(tally)
    .filter(([name]) => /^(INTERNAL|UNKNOWN|THREW)\//.test(name))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** A raw call's answer, already named `STATUS/REASON`. */
class RawOutcome extends Error {
  constructor(readonly outcome: string) {
    super(outcome);
  }
}
