import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/userlink.js", import.meta.url));

export interface UserlinkProcess {
  readonly child: ChildProcess;
  readonly grpcAddress: string;
  readonly opsUrl: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/** `userlink serve` as its own process, resolved once its banner names the ports. */
export async function spawnUserlink(env: Record<string, string>): Promise<UserlinkProcess> {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH ?? "", USERLINK_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/ops: +http:\/\/\S+/.test(stderr)) {
        clearTimeout(timer);
        resolve(stderr);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before serving:\n${stderr}`));
    });
  });
  const grpcPort = /serving gRPC on \S+:(\d+)/.exec(banner)![1];
  const opsUrl = /ops: +(http:\/\/[^/\s]+)/.exec(banner)![1]!;
  return { child, grpcAddress: `127.0.0.1:${grpcPort}`, opsUrl, stderr: () => stderr, exited };
}
