import * as grpc from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { errorInfoReason } from "../../support/grpc-web-raw.js";

/**
 * One grpc-js client for many raw calls (a connection per call, as test/support's
 * callRaw makes, would make fuzzing slow): bytes go out exactly as given.
 */
export class RawGrpc {
  readonly #client: grpc.Client;

  constructor(address: string) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": -1,
      "grpc.max_receive_message_length": -1,
    });
  }

  /** The status code of a unary call (or of a stream, cancelled after its first message). */
  call(
    path: string,
    body: Buffer,
    metadata: Record<string, string>,
    streaming = false,
  ): Promise<grpc.status> {
    const md = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadata)) md.set(key, value);
    const deadline = Date.now() + 10_000;
    const identity = (b: Buffer) => b;
    if (streaming) {
      return new Promise((resolve) => {
        const call = this.#client.makeServerStreamRequest(path, identity, identity, body, md, { deadline });
        let first = true;
        call.on("data", () => {
          // One message proves the stream works; an open stream would last forever.
          if (first) call.cancel();
          first = false;
        });
        call.on("error", (error: grpc.ServiceError) => resolve(first ? error.code : grpc.status.OK));
        call.on("status", (status: grpc.StatusObject) => resolve(status.code));
      });
    }
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(path, identity, identity, body, md, { deadline }, (error) =>
        resolve(error ? error.code : grpc.status.OK),
      );
    });
  }

  /** The answer as `outcomeOf` names it: `OK`, or `STATUS/REASON` (`STATUS/-` without an ErrorInfo). */
  outcome(path: string, body: Buffer, metadata: Record<string, string>): Promise<string> {
    const md = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadata)) md.set(key, value);
    const identity = (b: Buffer) => b;
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(
        path,
        identity,
        identity,
        body,
        md,
        { deadline: Date.now() + 10_000 },
        (error) => {
          if (!error) return resolve("OK");
          const details = error.metadata?.get("grpc-status-details-bin")[0];
          const reason =
            details === undefined ? null : errorInfoReason(Buffer.from(details).toString("base64"));
          resolve(`${grpc.status[error.code]}/${reason ?? "-"}`);
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** A message of length-delimited fields given as raw bytes: any bytes, valid UTF-8 or not. */
export function rawMessage(fields: readonly (readonly [number, Uint8Array])[]): Buffer {
  const writer = new BinaryWriter();
  for (const [field, bytes] of fields) writer.tag(field, WireType.LengthDelimited).bytes(bytes);
  return Buffer.from(writer.finish());
}
