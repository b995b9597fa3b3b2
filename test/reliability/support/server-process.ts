import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/userlink.js", import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly grpcAddress: string;
  /** Everything the process wrote (logs on stdout, banner on stderr), read back. */
  output(): Promise<string>;
  readonly exited: Promise<number | string>;
  /** SIGKILL: no shutdown, no flush, in-flight calls cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * `userlink serve` as a process of its own, its stdout and stderr kept in `logFile`
 * (logs can be searched for secrets afterwards). Resolves once the banner names the ports.
 */
export async function spawnServer(env: Record<string, string>, logFile: string): Promise<ServerProcess> {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH ?? "", USERLINK_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log, { end: false });
  let banner = "";
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${banner}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log.write(chunk);
      banner += chunk.toString();
      if (/ops: +http:\/\/\S+/.test(banner)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before serving:\n${banner}`));
    });
  });
  const grpcPort = /serving gRPC on \S+:(\d+)/.exec(banner)![1];
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    output: async () => {
      await new Promise((resolve) => log.write("", resolve));
      return readFile(logFile, "utf8");
    },
    exited,
    kill: () => signalAndWait("SIGKILL"),
    stop: () => signalAndWait("SIGTERM"),
  };
}
