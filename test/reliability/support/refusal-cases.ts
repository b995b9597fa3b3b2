import { status as GrpcStatus } from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Timestamp } from "../../../src/gen/google/protobuf/timestamp.js";
import { CreateApiKeyRequest } from "../../../src/gen/userlink/v1/admin_service.js";
import { createAppWithKey } from "../../support/flow.js";
import type { TestInstance } from "../../support/userlink-server.js";
import { rawMessage } from "./raw-calls.js";

/** One raw call that must be refused (or, for unknown fields, served) with one of `expect`. */
export interface RefusalCase {
  name: string;
  path: string;
  body: Buffer;
  metadata: Record<string, string>;
  expect: GrpcStatus[];
}

/**
 * Oversize messages, invalid UTF-8 in every string field, deep nesting, huge repeated
 * fields, out-of-range timestamps and unknown fields, in that order.
 */
export async function refusalCases(
  server: TestInstance,
  keys: { apiKey: string; appId: string; adminToken: string },
): Promise<RefusalCase[]> {
  const { apiKey, appId, adminToken } = keys;
  const admin = { authorization: `Bearer ${adminToken}` };
  const key = { authorization: `Bearer ${apiKey}` };
  const cases: RefusalCase[] = [];
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
  return cases;
}
