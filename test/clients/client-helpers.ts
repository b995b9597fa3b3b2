import { createServer, type Server, type Socket } from "node:net";
import { expect } from "vitest";
import { UserlinkError } from "../../clients/core/src/userlink-error.js";

/** Awaits a call that must fail and returns its error, which must be a UserlinkError. */
export async function failure(call: Promise<unknown>): Promise<UserlinkError> {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail, but it succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserlinkError);
  return error as UserlinkError;
}

/** A TCP server that accepts connections and never answers: every call waits for its deadline. */
export async function blackhole(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
