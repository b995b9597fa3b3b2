import * as grpc from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { BadRequest, ErrorInfo } from "nice-grpc-error-details";
import { Status as RpcStatus } from "nice-grpc-error-details/lib/proto/google/rpc/status.js";
import { describe, expect, it } from "vitest";
import { createAppWithKey } from "../support/flow.js";
import { useInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

/** A message of length-delimited fields, exactly as given (no encoder checks). */
function message(fields: readonly (readonly [number, Uint8Array])[]): Buffer {
  const writer = new BinaryWriter();
  for (const [field, bytes] of fields) writer.tag(field, WireType.LengthDelimited).bytes(bytes);
  return Buffer.from(writer.finish());
}

interface RefusedAnswer {
  code: grpc.status;
  message: string;
  reason: string | undefined;
  fields: { field: string; description: string }[] | undefined;
}

/** Sends raw bytes and reads the answer's rich details (ErrorInfo, BadRequest). */
function callRaw(address: string, path: string, body: Buffer, metadata: Record<string, string>) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
  });
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise<RefusedAnswer>((resolve, reject) => {
    const identity = (b: Buffer) => b;
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      body,
      md,
      { deadline: Date.now() + 10_000 },
      (error) => {
        client.close();
        if (!error) return reject(new Error(`${path} succeeded`));
        const [bin] = error.metadata.get("grpc-status-details-bin");
        const details = RpcStatus.decode(bin as Buffer).details;
        const info = details.find((d) => d.typeUrl.endsWith("google.rpc.ErrorInfo"));
        const bad = details.find((d) => d.typeUrl.endsWith("google.rpc.BadRequest"));
        resolve({
          code: error.code,
          message: error.details,
          reason: info && ErrorInfo.decode(info.value).reason,
          fields:
            bad &&
            BadRequest.decode(bad.value).fieldViolations.map(({ field, description }) => ({
              field,
              description,
            })),
        });
      },
    );
  });
}

const BAD = Buffer.from([0xc3, 0x28]);

describe("undecodable requests name what is wrong (embedded)", () => {
  let server: TestInstance;
  let storage: Storage;
  let apiKey: string;
  useInstance("embedded", async (started) => {
    ({ server, storage } = started);
    ({ apiKey } = await createAppWithKey(server));
  });

  const cases: [string, string, Buffer, string][] = [
    [
      "RequestAuthCode external_user_id",
      "/userlink.v1.LinkService/RequestAuthCode",
      message([[1, BAD]]),
      "external_user_id",
    ],
    [
      "CreateUser device.model",
      "/userlink.v1.DeviceService/CreateUser",
      message([[4, message([[3, BAD]])]]),
      "device.model",
    ],
    [
      "CreateUser app.app_version",
      "/userlink.v1.DeviceService/CreateUser",
      message([[3, message([[1, BAD]])]]),
      "app.app_version",
    ],
    [
      "CreateApp an sdk_config key",
      "/userlink.v1.AdminService/CreateApp",
      message([
        [1, Buffer.from("n")],
        [2, message([[1, message([[1, BAD]])]])],
      ]),
      "sdk_config.fields",
    ],
    [
      "CreateApp an sdk_config string value",
      "/userlink.v1.AdminService/CreateApp",
      // fields["theme"] = Value{string_value (3): bad}
      message([
        [1, Buffer.from("n")],
        [
          2,
          message([
            [
              1,
              message([
                [1, Buffer.from("theme")],
                [2, message([[3, BAD]])],
              ]),
            ],
          ]),
        ],
      ]),
      'sdk_config.fields["theme"].string_value',
    ],
  ];

  it.each(cases)("invalid UTF-8 in %s names that field", async (_, path, body, field) => {
    const metadata: Record<string, string> = path.includes("Admin")
      ? { authorization: `Bearer ${storage.adminToken}` }
      : path.includes("Link")
        ? { authorization: `Bearer ${apiKey}` }
        : {};
    const answer = await callRaw(server.address, path, body, metadata);
    expect(answer).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      message: `invalid request: ${field}: must be valid UTF-8`,
      reason: "INVALID_ARGUMENT",
      fields: [{ field, description: "must be valid UTF-8" }],
    });
  });

  it("refuses a message over 64 KiB naming the request, with no empty field", async () => {
    const body = message([[1, Buffer.alloc(70_000, "x")]]);
    const answer = await callRaw(server.address, "/userlink.v1.LinkService/RequestAuthCode", body, {
      authorization: `Bearer ${apiKey}`,
    });
    expect(answer).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      message: `invalid request: the request message is ${body.length} bytes, over the limit of 65536 bytes`,
      reason: "INVALID_ARGUMENT",
      fields: undefined,
    });
  });

  it("says bytes that are no message are no message, naming no field", async () => {
    const answer = await callRaw(
      server.address,
      "/userlink.v1.LinkService/RequestAuthCode",
      Buffer.from([0x0a, 0x20, 0x41]),
      {
        authorization: `Bearer ${apiKey}`,
      },
    );
    expect(answer).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: "invalid request: the request bytes are not a valid message",
      fields: undefined,
    });
  });
});
