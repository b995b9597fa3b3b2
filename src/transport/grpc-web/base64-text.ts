/**
 * The base64 of `application/grpc-web-text`. A body may be several padded chunks one
 * after the other (a client encodes each frame as it sends it), so padding may appear
 * inside the text, but only at the end of a 4-character group.
 */
const PADDED_CHUNKS = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strictly (Buffer's decoder skips what it does not know); null when not base64. */
export function decodeBase64Chunks(text: string): Buffer | null {
  const chunks: Buffer[] = [];
  let start = 0;
  // Each padded group ends one chunk; everything between is plain base64.
  for (let at = text.indexOf("=", start); at !== -1; at = text.indexOf("=", start)) {
    const end = text[at + 1] === "=" ? at + 2 : at + 1;
    const chunk = text.slice(start, end);
    if (!PADDED_CHUNKS.test(chunk)) return null;
    chunks.push(Buffer.from(chunk, "base64"));
    start = end;
  }
  const rest = text.slice(start);
  if (!PADDED_CHUNKS.test(rest)) return null;
  chunks.push(Buffer.from(rest, "base64"));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
