import { fileURLToPath } from "node:url";
import { startEventProcess, type RunningEventProcess } from "./event-process.js";

export interface RollingLoadConfig {
  /** nginx's gRPC listener, `host:port`. */
  readonly grpcAddress: string;
  /** nginx's gRPC-Web listener, `http://host:port`. */
  readonly webUrl: string;
  readonly apiKey: string;
  readonly outFile: string;
  /** Loops of the whole flow over gRPC, and of RequestAuthCode over gRPC-Web. */
  readonly concurrency: number;
  readonly webConcurrency: number;
  /** Open WatchDeviceStatus streams, each on a device no other call touches. */
  readonly streams: number;
  /** External ids shared by the loops (restorations); the rest are new each time. */
  readonly sharedIds: number;
}

/** One line the rolling load writes (synchronously, so it survives anything). */
export type RollingEvent =
  /** A client call as the application saw it: after the client's retries. */
  | { ev: "call"; t: number; method: string; outcome: string; retries: number }
  | { ev: "created"; t: number; userId: string; deviceId: string; externalUserId: string }
  /** A watch stream's first message arrived; `reopened`: it had been open before (a reconnection). */
  | { ev: "stream-open"; t: number; stream: number; attempt: number; reopened: boolean }
  | { ev: "stream-end"; t: number; stream: number; outcome: string }
  | { ev: "streams-ready"; t: number }
  | { ev: "done"; t: number };

const WORKER = fileURLToPath(new URL("./rolling-load-worker.ts", import.meta.url));

export type RunningRollingLoad = RunningEventProcess<RollingEvent>;

/** The load of the rolling-restart test as its own process (`node --import tsx`). */
export function startRollingLoad(config: RollingLoadConfig): RunningRollingLoad {
  return startEventProcess<RollingEvent>(WORKER, "ROLLING_LOAD_CONFIG", config);
}
