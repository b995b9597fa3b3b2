import { WatchDeviceStatusResponse } from "../../src/gen/userlink/v1/device_service.js";
import { DeviceState } from "../../src/gen/userlink/v1/types.js";
import { seededAccessToken, seededExternalId } from "./database.js";
import { RawClient } from "./raw-driver.js";
import { bodies, issueCodes, PATHS } from "./service-calls.js";
import type { ServerProcess } from "./server-process.js";
import { latencyOf, round } from "./stats.js";

export interface StreamFigures {
  readonly requested: number;
  readonly opened: number;
  readonly openSeconds: number;
  /** RSS with every stream open (1 s after the last opened), and its peak meanwhile. */
  readonly rssMb: number;
  /**
   * RSS with every stream still open once the idle server has settled: V8's memory
   * reducer collects and compacts the opening burst's garbage some 30 s after the
   * allocations stop. Null when it had not within SETTLE_LIMIT_MS.
   */
  readonly rssSettledMb: number | null;
  readonly settledAfterS: number | null;
  readonly heapUsedSettledMb: number | null;
  readonly peakRssMb: number;
  readonly rssBeforeMb: number;
  /** V8's view with the streams open (from the ops port's default metrics). */
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  /** V8's heap spaces (size, in MB): the young generation is sized apart from what lives. */
  readonly heapSpacesMb: Record<string, number>;
  readonly restorations: number;
  readonly eventsReceived: number;
  /** From the restoration's answer to the event on the replaced device's stream (ms; <0 counts as 0). */
  readonly eventAfterAnswer: { p50: number; p99: number };
  /** From sending the restoration to the event. */
  readonly eventAfterRequest: { p50: number; p99: number };
}

/**
 * `count` WatchDeviceStatus streams, one per seeded device (users 1..count), on one
 * instance over raw HTTP/2 streams; then `restorations` CreateUser calls for users
 * 1..restorations with a new phone, each of which must reach the stream of the
 * device it replaces as a DEACTIVATED event.
 */
export async function measureStreams(
  server: ServerProcess,
  apiKey: string,
  count: number,
  restorations: number,
): Promise<StreamFigures> {
  const url = `http://127.0.0.1:${server.grpcPort}`;
  const codes = await issueCodes(
    url,
    apiKey,
    Array.from({ length: restorations }, (_, i) => seededExternalId(i + 1)),
  );
  const rssBeforeMb = server.memory().rssMb;
  server.resetPeak();
  const watchers = await RawClient.connect(url, Math.max(1, Math.ceil(count / 1000)));
  const eventAt = new Map<number, number>();
  const streams: Array<{ cancel(): void }> = [];
  let opened = 0;
  const openStarted = performance.now();
  // Opened in waves, each stream counted once its first message (the current state) arrives.
  const WAVE = 500;
  for (let from = 1; from <= count; from += WAVE) {
    const wave: Promise<void>[] = [];
    for (let n = from; n < Math.min(from + WAVE, count + 1); n++) {
      wave.push(
        new Promise<void>((resolve) => {
          let first = true;
          const stream = watchers.open(
            {
              path: PATHS.watchDeviceStatus,
              body: bodies.watchDeviceStatus(),
              headers: { authorization: `Bearer ${seededAccessToken(n)}` },
            },
            (message) => {
              if (first) {
                first = false;
                opened++;
                resolve();
                return;
              }
              const event = WatchDeviceStatusResponse.decode(message);
              if (event.deviceState === DeviceState.DEVICE_STATE_DEACTIVATED && !eventAt.has(n)) {
                eventAt.set(n, performance.now());
              }
            },
          );
          streams.push(stream);
          void stream.done.then(() => resolve());
        }),
      );
    }
    await Promise.all(wave);
  }
  const openSeconds = (performance.now() - openStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const { rssMb } = server.memory();
  const heap = await heapOf(server.opsUrl);
  const settled = await settledMemory(server, rssMb);

  const callers = await RawClient.connect(url, 1);
  const sentAt = new Map<number, number>();
  const answeredAt = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < restorations) {
        const i = next++;
        sentAt.set(i + 1, performance.now());
        const answer = await callers.call({ path: PATHS.createUser, body: bodies.createUser(codes[i]!) });
        if (answer.status === 0) answeredAt.set(i + 1, performance.now());
        // Paced: restorations arrive as logins do, not as one burst.
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 2000));
  const { peakMb } = server.memory();
  const afterAnswer: number[] = [];
  const afterRequest: number[] = [];
  for (const [n, at] of eventAt) {
    const answered = answeredAt.get(n);
    if (answered !== undefined) afterAnswer.push(Math.max(0, at - answered) * 1000);
    afterRequest.push((at - sentAt.get(n)!) * 1000);
  }
  for (const stream of streams) stream.cancel();
  callers.close();
  watchers.close();
  const a = latencyOf(afterAnswer);
  const r = latencyOf(afterRequest);
  return {
    requested: count,
    opened,
    openSeconds: round(openSeconds, 1),
    rssMb: round(rssMb, 0),
    rssSettledMb: settled && round(settled.rssMb, 0),
    settledAfterS: settled && round(settled.afterS, 0),
    heapUsedSettledMb: settled && settled.heapUsedMb,
    peakRssMb: round(peakMb, 0),
    rssBeforeMb: round(rssBeforeMb, 0),
    heapUsedMb: heap.used,
    heapTotalMb: heap.total,
    externalMb: heap.external,
    heapSpacesMb: heap.spaces,
    restorations: answeredAt.size,
    eventsReceived: eventAt.size,
    eventAfterAnswer: { p50: a.p50, p99: a.p99 },
    eventAfterRequest: { p50: r.p50, p99: r.p99 },
  };
}

async function heapOf(
  opsUrl: string,
): Promise<{ used: number; total: number; external: number; spaces: Record<string, number> }> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const mb = (name: string) =>
    round(Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN) / 2 ** 20, 0);
  const spaces: Record<string, number> = {};
  for (const [, space, bytes] of text.matchAll(
    /^userlink_nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} (\S+)$/gm,
  )) {
    spaces[space!] = round(Number(bytes) / 2 ** 20, 1);
  }
  return {
    used: mb("userlink_nodejs_heap_size_used_bytes"),
    total: mb("userlink_nodejs_heap_size_total_bytes"),
    external: mb("userlink_nodejs_external_memory_bytes"),
    spaces,
  };
}

/** How long the streams are left idle, at most, for the memory reducer to run. */
const SETTLE_LIMIT_MS = 60_000;
const SETTLE_POLL_MS = 2_000;

/**
 * Waits, streams open and nothing else sent, until RSS has fallen at least 5 % below
 * `openRssMb` and held for one more reading (the memory reducer ran), or the limit.
 */
async function settledMemory(
  server: ServerProcess,
  openRssMb: number,
): Promise<{ rssMb: number; afterS: number; heapUsedMb: number } | null> {
  const since = performance.now();
  let previous: number | null = null;
  while (performance.now() - since < SETTLE_LIMIT_MS) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    const { rssMb } = server.memory();
    const fell = rssMb <= openRssMb * 0.95;
    if (fell && previous !== null && Math.abs(rssMb - previous) <= previous * 0.01) {
      const heap = await heapOf(server.opsUrl);
      return { rssMb, afterS: (performance.now() - since) / 1000, heapUsedMb: heap.used };
    }
    previous = fell ? rssMb : null;
  }
  return null;
}
