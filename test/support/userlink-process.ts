import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

// By default the checked-out sources through tsx's loader, so a test never runs a stale
// dist/; `bin` names a built entry point instead (the rolling-restart test, the bench).
const SOURCES = ["--import", "tsx", fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))];

export interface SpawnOptions {
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
  /** A built entry point such as dist/src/cli/main.js; default the sources through tsx. */
  readonly bin?: string;
  /** Append everything the process writes (JSON logs and banner) to this file. */
  readonly logFile?: string;
}

export interface UserlinkProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly grpcAddress: string;
  readonly grpcPort: number;
  readonly grpcWebPort: number;
  readonly opsUrl: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves once what the process wrote so far is in the log file (if any). */
  flushLog(): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** SIGKILL: no shutdown, no flush, in-flight calls cut. */
  kill(): Promise<void>;
  /** SIGTERM (the graceful shutdown) and wait; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * `userlink serve` as its own process (tests, the reliability suite and the benchmark
 * all start it this way), resolved once its banner names the ports.
 */
export async function spawnUserlink(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<UserlinkProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), ...(options.bin === undefined ? SOURCES : [options.bin]), "serve"],
    {
      env: { PATH: process.env.PATH ?? "", USERLINK_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", options.logFile === undefined ? "ignore" : "pipe", "pipe"],
    },
  );
  const log = options.logFile === undefined ? null : createWriteStream(options.logFile, { flags: "a" });
  if (log !== null) child.stdout!.pipe(log, { end: false });
  let stderr = "";
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${stderr}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log?.write(chunk);
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
  const grpcPort = Number(/serving gRPC on \S+:(\d+)/.exec(banner)![1]);
  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  return {
    child,
    pid: child.pid!,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    grpcPort,
    grpcWebPort: Number(/gRPC-Web: +https?:\/\/\S+:(\d+)/.exec(banner)![1]),
    opsUrl: /ops: +(http:\/\/[^/\s]+)/.exec(banner)![1]!,
    stderr: () => stderr,
    flushLog: () =>
      new Promise<void>((resolve) => (log === null ? resolve() : log.write("", () => resolve()))),
    exited,
    kill: () => signalAndWait("SIGKILL", 10_000),
    stop: (timeoutMs = 20_000) => signalAndWait("SIGTERM", timeoutMs),
  };
}
