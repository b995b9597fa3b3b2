import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnUserlink } from "../../test/support/userlink-process.js";

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * What is measured: the built server, as production runs it (`npm run bench` builds it
 * first when stale); BENCH_USERLINK_BIN names another build (A/B), or `sources` for the
 * checked-out TypeScript through tsx's loader.
 */
function serverBin(): string | undefined {
  const chosen = process.env.BENCH_USERLINK_BIN;
  if (chosen === "sources") return undefined;
  return chosen ?? fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
}

export interface ServerProcess {
  readonly pid: number;
  readonly grpcPort: number;
  readonly grpcWebPort: number;
  readonly opsUrl: string;
  /** utime + stime of the whole process (every thread), in ms. */
  cpuMs(): number;
  /** Current and peak resident set size, in MB. */
  memory(): { rssMb: number; peakMb: number };
  /** Starts a new peak RSS window (Linux clear_refs 5); false when the kernel refuses. */
  resetPeak(): boolean;
  /** All that the process wrote to stderr. */
  stderr(): string;
  /** SIGTERM, then waits for the exit (the CPU profile is written then). */
  stop(): Promise<void>;
}

/** `userlink serve` as its own process, so that its CPU time and RSS are its own. */
export async function startServer(
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<ServerProcess> {
  const bin = serverBin();
  const server = await spawnUserlink(
    {
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
      ...env,
    },
    {
      nodeFlags,
      ...(bin !== undefined && { bin }),
    },
  );
  const { pid } = server;
  const status = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match ? Number(match[1]) / 1024 : NaN;
  };
  return {
    pid,
    grpcPort: server.grpcPort,
    grpcWebPort: server.grpcWebPort,
    opsUrl: server.opsUrl,
    cpuMs() {
      // Fields after the parenthesised command name: utime is the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    memory: () => ({ rssMb: status("VmRSS"), peakMb: status("VmHWM") }),
    resetPeak() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
      } catch {
        return false;
      }
    },
    stderr: server.stderr,
    stop: () => server.stop(20_000),
  };
}

/** `userlink_grpc_calls_total` from the ops port, as `method code` → count. */
export async function callCounts(opsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^userlink_grpc_calls_total\{([^}]*)\} (\S+)$/gm)) {
    const method = /method="([^"]+)"/.exec(match[1]!)?.[1];
    const code = /code="([^"]+)"/.exec(match[1]!)?.[1];
    if (method && code) counts.set(`${method} ${code}`, Number(match[2]));
  }
  return counts;
}

/** The calls of `method` finished between two snapshots, by status. */
export function countsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
  method: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    const [m, code] = key.split(" ");
    if (m !== method) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta > 0) out[code!] = delta;
  }
  return out;
}
