import * as grpc from "@grpc/grpc-js";

export interface RawAnswer {
  readonly code: grpc.status;
  readonly details: string;
  readonly bytes: Buffer | null;
}

/**
 * Sends `body` as the request of `path` exactly as given, with no encoding, to see what
 * the server does with bytes a generated client would never send.
 */
export function callRaw(address: string, path: string, body: Buffer, metadata: Record<string, string> = {}) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
  });
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise<RawAnswer>((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      { deadline: Date.now() + 10_000 },
      (error, bytes) => {
        client.close();
        resolve(
          error
            ? { code: error.code, details: error.details, bytes: null }
            : { code: grpc.status.OK, details: "", bytes: bytes ?? null },
        );
      },
    );
  });
}
