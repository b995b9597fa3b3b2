import { h2load, type H2loadOptions } from "./h2load.js";
import { drive, type DriveOptions } from "./raw-driver.js";
import { callCounts, countsBetween, type ServerProcess } from "./server-process.js";
import { latencyOf, round } from "./stats.js";

/** One load level of one scenario, as the report shows it. */
export interface LoadFigures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time (all threads) per finished call, µs. */
  readonly cpuUsPerCall: number;
  /** grpc-status counts of the calls the server finished meanwhile (its own metrics). */
  readonly statuses: Record<string, number>;
  /** Share of those that were OK. */
  readonly okShare: number;
  readonly peakRssMb: number;
  /** h2load only: DATA bytes per answer, to compare with an OK answer's size. */
  readonly dataBytesPerAnswer?: number;
}

export type Load =
  | { readonly kind: "h2load"; readonly options: H2loadOptions }
  | { readonly kind: "raw"; readonly options: DriveOptions };

/**
 * Runs a load against the server and reads, around it, the server's CPU time, its
 * peak RSS (a fresh high-water mark per run) and its per-status call counters.
 */
export async function measure(server: ServerProcess, method: string, load: Load): Promise<LoadFigures> {
  const before = await callCounts(server.opsUrl);
  server.resetPeak();
  const cpuBefore = server.cpuMs();
  let rps: number;
  let p50: number;
  let p99: number;
  let dataBytesPerAnswer: number | undefined;
  if (load.kind === "h2load") {
    const result = await h2load(load.options);
    ({ rps } = result);
    ({ p50, p99 } = result.latency);
    dataBytesPerAnswer = round(result.dataBytesPerAnswer, 1);
  } else {
    const result = await drive(load.options);
    rps = (result.completed * 1000) / result.elapsedMs;
    ({ p50, p99 } = latencyOf(result.latenciesUs));
  }
  const cpuMs = server.cpuMs() - cpuBefore;
  const { peakMb } = server.memory();
  const statuses = countsBetween(before, await callCounts(server.opsUrl), method);
  const calls = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    rps: round(rps, 0),
    p50,
    p99,
    cpuUsPerCall: calls === 0 ? NaN : round((cpuMs * 1000) / calls, 0),
    statuses,
    okShare: calls === 0 ? 0 : round((statuses.OK ?? 0) / calls, 4),
    peakRssMb: round(peakMb, 0),
    ...(dataBytesPerAnswer !== undefined && { dataBytesPerAnswer }),
  };
}
