import http2 from "node:http2";

/**
 * A load driver on Node's own HTTP/2 client, for the scenarios h2load cannot drive
 * (every request needs a body of its own: a fresh code per CreateUser) and for
 * streams. A raw stream per call costs a fraction of a grpc-js client call, so on two
 * cores the driver leaves the server its CPU; and it sees grpc-status, which h2load
 * cannot.
 */

export interface RawRequest {
  readonly path: string;
  readonly body: Buffer;
  readonly headers?: Record<string, string>;
}

export interface RawAnswer {
  readonly status: number;
  readonly body: Buffer;
}

export interface DriveOptions {
  readonly url: string;
  readonly connections: number;
  /** Calls in flight at once (closed loop), or at most (open loop with `rate`). */
  readonly concurrency: number;
  /** Requests per second to start (open loop); absent: as fast as answers come back. */
  readonly rate?: number;
  readonly durationMs: number;
  /** The i-th request; null when there are no more (the run then ends early). */
  next(i: number): RawRequest | null;
  onAnswer?(i: number, answer: RawAnswer): void;
}

export interface DriveResult {
  readonly completed: number;
  readonly elapsedMs: number;
  /** grpc-status name or number → count. */
  readonly statuses: Record<string, number>;
  readonly latenciesUs: number[];
}

export class RawClient {
  readonly #sessions: http2.ClientHttp2Session[];
  #turn = 0;

  private constructor(sessions: http2.ClientHttp2Session[]) {
    this.#sessions = sessions;
  }

  static async connect(url: string, connections: number): Promise<RawClient> {
    const sessions = await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<http2.ClientHttp2Session>((resolve, reject) => {
            const session = http2.connect(url, { settings: { initialWindowSize: 1 << 20 } });
            session.once("connect", () => resolve(session));
            session.once("error", reject);
          }),
      ),
    );
    for (const session of sessions) session.on("error", () => {});
    return new RawClient(sessions);
  }

  /** One unary call; resolves with grpc-status and the response body. */
  call(request: RawRequest): Promise<RawAnswer> {
    const session = this.#sessions[this.#turn++ % this.#sessions.length]!;
    return new Promise((resolve) => {
      const stream = session.request({
        ":method": "POST",
        ":path": request.path,
        "content-type": "application/grpc",
        te: "trailers",
        ...request.headers,
      });
      const chunks: Buffer[] = [];
      let status = -1;
      stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined) status = Number(headers["grpc-status"]);
      });
      stream.on("trailers", (trailers) => {
        if (trailers["grpc-status"] !== undefined) status = Number(trailers["grpc-status"]);
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("close", () => resolve({ status, body: Buffer.concat(chunks) }));
      stream.on("error", () => {});
      stream.end(request.body);
    });
  }

  /** A server stream: `onMessage` for each message; resolves with grpc-status at its end. */
  open(request: RawRequest, onMessage: (message: Buffer) => void): { done: Promise<number>; cancel(): void } {
    const session = this.#sessions[this.#turn++ % this.#sessions.length]!;
    const stream = session.request({
      ":method": "POST",
      ":path": request.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...request.headers,
    });
    let pending: Buffer = Buffer.alloc(0);
    let status = -1;
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) status = Number(headers["grpc-status"]);
    });
    stream.on("trailers", (trailers) => {
      if (trailers["grpc-status"] !== undefined) status = Number(trailers["grpc-status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const length = pending.readUInt32BE(1);
        if (pending.length < 5 + length) break;
        onMessage(pending.subarray(5, 5 + length));
        pending = pending.subarray(5 + length);
      }
    });
    stream.on("error", () => {});
    stream.end(request.body);
    return {
      done: new Promise((resolve) => stream.on("close", () => resolve(status))),
      cancel: () => stream.close(http2.constants.NGHTTP2_CANCEL),
    };
  }

  close(): void {
    for (const session of this.#sessions) session.close();
  }
}

const STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status_${status}`;
}

/** Runs a closed-loop (or, with `rate`, open-loop) load until the time or the requests run out. */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  const client = await RawClient.connect(options.url, options.connections);
  const statuses: Record<string, number> = {};
  const latenciesUs: number[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;
  let issued = 0;
  let completed = 0;
  let exhausted = false;

  const one = async (): Promise<boolean> => {
    if (exhausted || performance.now() >= deadline) return false;
    const i = issued++;
    const request = options.next(i);
    if (request === null) {
      exhausted = true;
      return false;
    }
    const sent = performance.now();
    const answer = await client.call(request);
    latenciesUs.push((performance.now() - sent) * 1000);
    const name = statusName(answer.status);
    statuses[name] = (statuses[name] ?? 0) + 1;
    completed++;
    options.onAnswer?.(i, answer);
    return true;
  };

  if (options.rate === undefined) {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (await one());
      }),
    );
  } else {
    const rate = options.rate;
    let inFlight = 0;
    const pending = new Set<Promise<unknown>>();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        if (now >= deadline || exhausted) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor(((now - started) / 1000) * rate) - issued;
        for (let k = 0; k < due && inFlight < options.concurrency; k++) {
          inFlight++;
          const p = one().finally(() => {
            inFlight--;
            pending.delete(p);
          });
          pending.add(p);
        }
      }, 1);
    });
    await Promise.all(pending);
  }
  const elapsedMs = Math.min(performance.now(), deadline) - started;
  client.close();
  return { completed, elapsedMs: Math.max(elapsedMs, 1), statuses, latenciesUs };
}
