import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { latencyOf, type Latency } from "./stats.js";

const run = promisify(execFile);

export interface H2loadOptions {
  readonly url: string;
  /** The request body (a length-prefixed message). */
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly clients: number;
  /** Streams in flight per client (HTTP/2 only; HTTP/1.1 sends one at a time). */
  readonly streams: number;
  readonly durationS: number;
  readonly warmUpS: number;
  /** Requests per second per client (half load); absent: as fast as answers come. */
  readonly rpsPerClient?: number;
  readonly http1?: boolean;
}

export interface H2loadResult {
  readonly rps: number;
  readonly done: number;
  readonly failed: number;
  /** Bytes of DATA received per answer: an OK answer's message size tells how many were OK. */
  readonly dataBytesPerAnswer: number;
  readonly latency: Latency;
}

/**
 * h2load POSTing one body over and over. It cannot see grpc-status (every answer is
 * HTTP 200), so the caller counts statuses from the server's metrics; the data bytes
 * per answer are a second check (an error answer carries no message).
 */
export async function h2load(options: H2loadOptions): Promise<H2loadResult> {
  const dir = await mkdtemp(join(tmpdir(), "userlink-h2load-"));
  try {
    const bodyFile = join(dir, "body");
    const logFile = join(dir, "log");
    await writeFile(bodyFile, options.body);
    const args = [
      options.url,
      "-d",
      bodyFile,
      "-c",
      String(options.clients),
      "-m",
      String(options.http1 ? 1 : options.streams),
      "-t",
      "1",
      "-D",
      String(options.durationS),
      "--warm-up-time",
      String(options.warmUpS),
      "--log-file",
      logFile,
      ...Object.entries(options.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
      ...(options.rpsPerClient === undefined ? [] : ["--rps", String(options.rpsPerClient)]),
      ...(options.http1 ? ["--h1"] : []),
    ];
    const { stdout } = await run("h2load", args, { maxBuffer: 16 << 20 });
    const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? NaN);
    const requests = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(
      stdout,
    );
    const data = /\((\d+)\) data/.exec(stdout);
    const done = Number(requests?.[1] ?? 0);
    const latencies = (await readFile(logFile, "utf8"))
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => Number(line.split("\t")[2]));
    return {
      rps,
      done,
      failed: Number(requests?.[3] ?? 0),
      dataBytesPerAnswer: done === 0 ? 0 : Number(data?.[1] ?? 0) / done,
      latency: latencyOf(latencies),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
