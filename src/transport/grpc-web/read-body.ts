import type { WebRequest } from "./relay-headers.js";

/** The whole body, unless it grows past `limit`, takes too long, or the client goes away. */
export function readBody(
  req: WebRequest,
  limit: number,
  timeoutMs: number,
): Promise<Buffer | "too-large" | "too-slow" | "gone"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.pause();
      settle("too-slow");
    }, timeoutMs);
    const settle = (result: Buffer | "too-large" | "too-slow" | "gone"): void => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      settle("too-large");
    };
    const onEnd = (): void => settle(Buffer.concat(chunks, size));
    const onClose = (): void => settle("gone");
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onClose);
  });
}
