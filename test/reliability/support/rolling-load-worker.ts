/**
 * The load of the rolling-restart test, as a process of its own, through nginx only:
 * loops of the whole flow (RequestAuthCode, CreateUser, GetDeviceStatus) with the Node
 * client `clients/node` and its documented retries (UNAVAILABLE, 4 retries from 500 ms);
 * loops of RequestAuthCode over gRPC-Web with `clients/web` and the same retry policy by
 * hand (the web client has none); and open WatchDeviceStatus streams that, as the
 * client's README says, watch again when they end UNAVAILABLE. Every call (as the
 * application saw it, after retries), acknowledgement and stream event goes to the out
 * file as one JSON line. SIGTERM ends it.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { appendFileSync } from "node:fs";
import {
  createDeviceClient,
  createLinkClient,
  DeviceType,
  Platform,
  UserlinkError,
} from "../../../clients/node/src/index.js";
import { createLinkClient as createWebLinkClient } from "../../../clients/web/src/index.js";
import type { RollingEvent, RollingLoadConfig } from "./rolling-load.js";

const config = JSON.parse(process.env.ROLLING_LOAD_CONFIG ?? "{}") as RollingLoadConfig;
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
const signal = stop.signal;
// Every call and stream listens to the one stop signal.
setMaxListeners(0, signal);

const write = (event: RollingEvent) => appendFileSync(config.outFile, `${JSON.stringify(event)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outcomeOf = (error: unknown): string =>
  error instanceof UserlinkError || (error instanceof Error && error.name === "UserlinkError")
    ? `${(error as UserlinkError).codeName}/${(error as UserlinkError).reason ?? "-"}`
    : `THREW/${error instanceof Error ? error.message : String(error)}`;

/** Retries a client made, counted through its onRetry hook. */
class RetryCounter {
  count = 0;
  readonly options = { onRetry: () => void this.count++ };
}

/** One call, recorded once as the application saw it, with the retries made for it. */
async function call<T>(method: string, retries: RetryCounter, run: () => Promise<T>): Promise<T | null> {
  const before = retries.count;
  try {
    const value = await run();
    write({ ev: "call", t: Date.now(), method, outcome: "OK", retries: retries.count - before });
    return value;
  } catch (error) {
    // Calls cut by our own stop are not the service's doing.
    if (!signal.aborted) {
      write({
        ev: "call",
        t: Date.now(),
        method,
        outcome: outcomeOf(error),
        retries: retries.count - before,
      });
    }
    return null;
  }
}

const phone = { platform: Platform.PLATFORM_IOS, deviceType: DeviceType.DEVICE_TYPE_PHONE, model: "load" };

async function flowLoop(): Promise<void> {
  // Clients of its own: the loop's calls are sequential, so the token and the count are its own.
  const retries = new RetryCounter();
  const link = createLinkClient({
    address: config.grpcAddress,
    apiKey: config.apiKey,
    retry: retries.options,
  });
  const device = createDeviceClient({ address: config.grpcAddress, retry: retries.options });
  while (!signal.aborted) {
    const externalUserId =
      Math.random() < 0.5 ? `shared-${Math.floor(Math.random() * config.sharedIds)}` : `new-${randomUUID()}`;
    const issued = await call("RequestAuthCode", retries, () =>
      link.requestAuthCode({ externalUserId }, { signal }),
    );
    if (issued === null) continue;
    // createUser's default requestId makes its retries the same attempt.
    const created = await call("CreateUser", retries, () =>
      device.createUser({ authenticationCode: issued.authenticationCode, device: phone }, { signal }),
    );
    if (created === null) continue;
    write({
      ev: "created",
      t: Date.now(),
      userId: created.userId,
      deviceId: created.deviceId,
      externalUserId,
    });
    device.setAccessToken(created.credentials!.accessToken);
    await call("GetDeviceStatus", retries, () => device.getDeviceStatus({}, { signal }));
  }
  link.close();
  device.close();
}

/** The web client has no retries: the Node client's policy (UNAVAILABLE, 4 × from 500 ms), by hand. */
async function webLoop(): Promise<void> {
  const web = createWebLinkClient({ baseUrl: config.webUrl, apiKey: config.apiKey });
  const retries = new RetryCounter();
  const unavailable = (error: unknown) =>
    error instanceof Error && (error as UserlinkError).codeName === "UNAVAILABLE";
  while (!signal.aborted) {
    await call("web RequestAuthCode", retries, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await web.requestAuthCode({ externalUserId: `web-${randomUUID()}` }, { signal });
        } catch (error) {
          if (attempt >= 4 || !unavailable(error) || signal.aborted) throw error;
          retries.count++;
          await sleep(Math.min(500 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2));
        }
      }
    });
  }
  web.close();
}

/**
 * The watched devices, one user each, made before any stream opens and ten at a time
 * (hundreds at once would only time each other out). Setup, not the measured load: a
 * failed attempt is simply made again.
 */
async function watchedDevices(count: number): Promise<string[]> {
  const link = createLinkClient({ address: config.grpcAddress, apiKey: config.apiKey });
  const setup = createDeviceClient({ address: config.grpcAddress });
  const one = async (): Promise<string> => {
    for (;;) {
      try {
        const { authenticationCode } = await link.requestAuthCode({
          externalUserId: `watch-${randomUUID()}`,
        });
        const created = await setup.createUser({ authenticationCode, device: phone });
        return created.credentials!.accessToken;
      } catch (error) {
        if (signal.aborted) throw error;
        await sleep(200);
      }
    }
  };
  const tokens: string[] = [];
  for (let from = 0; from < count; from += 10) {
    tokens.push(...(await Promise.all(Array.from({ length: Math.min(10, count - from) }, one))));
  }
  link.close();
  setup.close();
  return tokens;
}

/** A stream on a device of its own (its own client, as each device has); watches again after UNAVAILABLE, as documented. */
async function watcher(stream: number, accessToken: string, opened: () => void): Promise<void> {
  // Its own connection, as a device has: grpc-js would otherwise share one among all clients.
  const client = createDeviceClient({
    address: config.grpcAddress,
    accessToken,
    channelOptions: { "grpc.use_local_subchannel_pool": 1 },
  });
  let everOpened = false;
  for (let attempt = 0; !signal.aborted; attempt++) {
    let outcome = "ENDED";
    try {
      let first = true;
      for await (const _change of client.watchDeviceStatus({}, { signal })) {
        if (!first) continue;
        first = false;
        write({ ev: "stream-open", t: Date.now(), stream, attempt, reopened: everOpened });
        if (!everOpened) opened();
        everOpened = true;
      }
    } catch (error) {
      outcome = outcomeOf(error);
    }
    if (signal.aborted) break;
    write({ ev: "stream-end", t: Date.now(), stream, outcome });
    await sleep(100 + Math.random() * 200);
  }
  client.close();
}

let open = 0;
const tokens = await watchedDevices(config.streams);
const watchers = tokens.map((token, i) =>
  watcher(i, token, () => ++open === config.streams && write({ ev: "streams-ready", t: Date.now() })),
);
await Promise.all([
  ...watchers,
  ...Array.from({ length: config.concurrency }, () => flowLoop()),
  ...Array.from({ length: config.webConcurrency }, () => webLoop()),
]);
write({ ev: "done", t: Date.now() });
