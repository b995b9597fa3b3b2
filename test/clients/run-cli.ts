import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/userlink.js", import.meta.url));
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as JSON (the admin commands print proto3 JSON). */
  json<T = Record<string, unknown>>(): T;
}

/**
 * `userlink <args>` as its own process, with nothing of this process' environment but
 * PATH and `env`: as an operator would run it in a terminal of its own.
 */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({
          exitCode,
          stdout,
          stderr,
          json: <T>() => {
            try {
              return JSON.parse(stdout) as T;
            } catch {
              throw new Error(
                `userlink ${args.join(" ")} printed no JSON (exit ${exitCode}):\n${stdout}\n${stderr}`,
              );
            }
          },
        });
      },
    );
  });
}
