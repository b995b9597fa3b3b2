import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export interface RunningEventProcess<E> {
  /** What the process wrote so far. */
  events(): E[];
  /** SIGTERM, then waits for its loops to end; returns every event. */
  stop(): Promise<E[]>;
}

/**
 * A load worker as its own process (`node --import tsx <worker>`), its configuration as
 * JSON in `envName`, writing one JSON event per line to `config.outFile`: the load of
 * the fault suite and of the rolling-restart test run this way, so that the load's CPU
 * is not the server's.
 */
export function startEventProcess<E>(
  worker: string,
  envName: string,
  config: { readonly outFile: string },
): RunningEventProcess<E> {
  const child = spawn(process.execPath, ["--import", "tsx", worker], {
    env: { ...process.env, [envName]: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const events = (): E[] =>
    existsSync(config.outFile)
      ? readFileSync(config.outFile, "utf8")
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as E)
      : [];
  return {
    events,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      return events();
    },
  };
}
