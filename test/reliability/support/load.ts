import { fileURLToPath } from "node:url";
import { startEventProcess, type RunningEventProcess } from "./event-process.js";

export interface LoadConfig {
  readonly addresses: string[];
  readonly apiKey: string;
  readonly outFile: string;
  readonly concurrency: number;
  /** External ids shared by every loop (restorations); the rest are new each time. */
  readonly sharedIds: number;
  readonly deadlineMs: number;
}

/** One line the load process writes. */
export type LoadEvent =
  | { ev: "call"; t: number; method: string; outcome: string; ms: number }
  | { ev: "code"; t: number; code: string; requestId: string; externalUserId: string }
  | {
      ev: "created";
      t: number;
      code: string;
      userId: string;
      deviceId: string;
      externalUserId: string;
      accessToken: string;
      refreshToken: string;
    }
  | { ev: "done"; t: number };

const WORKER = fileURLToPath(new URL("./load-worker.ts", import.meta.url));

export type RunningLoad = RunningEventProcess<LoadEvent>;

/** Starts the load process (`node --import tsx load-worker.ts`). */
export function startLoad(config: LoadConfig): RunningLoad {
  return startEventProcess<LoadEvent>(WORKER, "LOAD_CONFIG", config);
}

type CallEvent = Extract<LoadEvent, { ev: "call" }>;

/** The calls that ended in [from, to). */
export function callsBetween(events: readonly LoadEvent[], from: number, to: number): CallEvent[] {
  return events.filter((e): e is CallEvent => e.ev === "call" && e.t >= from && e.t < to);
}

/** Outcomes of calls, counted by `method outcome`. */
export function tallyCalls(calls: readonly CallEvent[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const c of calls) tally[c.outcome] = (tally[c.outcome] ?? 0) + 1;
  return tally;
}

/**
 * Seconds from `since` to the first CreateUser acknowledged after it (the flow works
 * again end to end); null while there is none.
 */
export function recoverySeconds(events: readonly LoadEvent[], since: number): number | null {
  const first = events.find(
    (e) => e.ev === "call" && e.method === "CreateUser" && e.outcome === "OK" && e.t >= since,
  );
  return first === undefined ? null : Math.round((first.t - since) / 100) / 10;
}
