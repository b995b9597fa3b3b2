/** The gRPC length prefix: one flag byte (0: not compressed) and a big-endian length. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The messages of a gRPC body (ignores a gRPC-Web trailer frame, flag 0x80). */
export function unframe(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length;) {
    const length = body.readUInt32BE(at + 1);
    if ((body[at]! & 0x80) === 0) messages.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return messages;
}

/** grpc-status from a gRPC-Web body's trailer frame; null when there is none. */
export function grpcWebStatus(body: Buffer): number | null {
  for (let at = 0; at + 5 <= body.length;) {
    const length = body.readUInt32BE(at + 1);
    if ((body[at]! & 0x80) !== 0) {
      const text = body.subarray(at + 5, at + 5 + length).toString("latin1");
      const match = /grpc-status:\s*(\d+)/i.exec(text);
      return match ? Number(match[1]) : null;
    }
    at += 5 + length;
  }
  return null;
}
