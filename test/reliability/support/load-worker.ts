/**
 * The steady load of the fault scenarios, as a process of its own (run with
 * `node --import tsx`): loops of the flow an SDK and its backend make (RequestAuthCode,
 * CreateUser retried with the same request_id while the answer is retryable, then
 * GetDeviceStatus with the new token) against one or more userlink addresses in turn.
 * Every call and everything acknowledged goes to LOAD_OUT as one JSON line, written
 * synchronously so that it survives whatever happens next. SIGTERM ends the loops.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createChannel, createClientFactory, Metadata, Status } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { DeviceServiceDefinition } from "../../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../../src/gen/userlink/v1/link_service.js";
import { DeviceType, Platform } from "../../../src/gen/userlink/v1/types.js";
import type { LoadConfig, LoadEvent } from "./load.js";
import { outcomeOf } from "./outcomes.js";

const RETRYABLE = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.ABORTED]);
/** How long one CreateUser keeps being retried before its code is left for the check. */
const RETRY_BUDGET_MS = 30_000;

const config = JSON.parse(process.env.LOAD_CONFIG ?? "{}") as LoadConfig;
let stopping = false;
process.on("SIGTERM", () => (stopping = true));

const write = (event: LoadEvent) => appendFileSync(config.outFile, `${JSON.stringify(event)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const factory = createClientFactory().use(errorDetailsClientMiddleware);
const targets = config.addresses.map((address) => {
  const channel = createChannel(address);
  return {
    link: factory.create(LinkServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${config.apiKey}` }) },
    }),
    device: factory.create(DeviceServiceDefinition, channel),
    channel,
  };
});
let turn = 0;
const next = () => targets[turn++ % targets.length]!;

/**
 * Makes one call with the configured deadline, records it, and returns its value or
 * the error's status. A call past its deadline is abandoned (DEADLINE_EXCEEDED, as the
 * client saw it), like an SDK's would be.
 */
async function call<T>(
  method: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | { failed: Status }> {
  const started = Date.now();
  try {
    const value = await run(AbortSignal.timeout(config.deadlineMs));
    write({ ev: "call", t: Date.now(), method, outcome: "OK", ms: Date.now() - started });
    return value;
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
    const outcome = timedOut ? "DEADLINE_EXCEEDED/client" : outcomeOf(error);
    write({ ev: "call", t: Date.now(), method, outcome, ms: Date.now() - started });
    const code = timedOut ? Status.DEADLINE_EXCEEDED : (error as { code?: unknown }).code;
    return { failed: typeof code === "number" ? code : Status.UNKNOWN };
  }
}

const failed = (value: unknown): value is { failed: Status } =>
  typeof value === "object" && value !== null && "failed" in value;

async function loop(loopId: number): Promise<void> {
  for (let i = 0; !stopping; i++) {
    const externalUserId =
      Math.random() < 0.5 ? `shared-${Math.floor(Math.random() * config.sharedIds)}` : `new-${randomUUID()}`;
    const issued = await call("RequestAuthCode", (signal) =>
      next().link.requestAuthCode({ externalUserId }, { signal }),
    );
    if (failed(issued)) {
      await sleep(50);
      continue;
    }
    const requestId = randomUUID();
    const code = issued.authenticationCode;
    write({ ev: "code", t: Date.now(), code, requestId, externalUserId });
    const request = {
      authenticationCode: code,
      requestId,
      app: { appVersion: "1.0.0", sdkVersion: "1.0.0" },
      device: {
        platform: loopId % 2 === 0 ? Platform.PLATFORM_IOS : Platform.PLATFORM_ANDROID,
        deviceType: i % 4 === 3 ? DeviceType.DEVICE_TYPE_TABLET : DeviceType.DEVICE_TYPE_PHONE,
        model: "load",
        osVersion: "1",
      },
    };
    const retryUntil = Date.now() + RETRY_BUDGET_MS;
    let created = await call("CreateUser", (signal) => next().device.createUser(request, { signal }));
    for (
      let backoff = 50;
      failed(created) && RETRYABLE.has(created.failed);
      backoff = Math.min(backoff * 2, 1_000)
    ) {
      if (stopping || Date.now() > retryUntil) break;
      await sleep(backoff);
      created = await call("CreateUser", (signal) => next().device.createUser(request, { signal }));
    }
    if (failed(created)) continue;
    write({
      ev: "created",
      t: Date.now(),
      code,
      userId: created.userId,
      deviceId: created.deviceId,
      externalUserId,
      accessToken: created.credentials!.accessToken,
      refreshToken: created.credentials!.refreshToken,
    });
    const metadata = Metadata({ authorization: `Bearer ${created.credentials!.accessToken}` });
    await call("GetDeviceStatus", (signal) => next().device.getDeviceStatus({}, { signal, metadata }));
  }
}

await Promise.all(Array.from({ length: config.concurrency }, (_, i) => loop(i)));
write({ ev: "done", t: Date.now() });
for (const target of targets) target.channel.close();
