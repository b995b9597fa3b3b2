import { randomUUID } from "node:crypto";
import { Status, type CallContext, type ServerMiddlewareCall } from "nice-grpc";
import type { Logger } from "../../ports/logger.js";
import type { UserlinkMetrics } from "../ops/metrics.js";
import { observingOutcome } from "./call-outcome.js";

/** Sent by callers (and echoed back) to tie their logs to ours. */
export const REQUEST_ID_HEADER = "x-request-id";
const USABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

const CREATE_USER = "/userlink.v1.DeviceService/CreateUser";
const REQUEST_AUTH_CODE = "/userlink.v1.LinkService/RequestAuthCode";

/**
 * One log line and one set of metrics per call: method, status, ErrorInfo reason,
 * latency and request id. Sits inside errorDetailsServerMiddleware and outside the
 * error mapping, so it sees every answer as the caller will. It logs fixed fields
 * only, never metadata or messages, so no secret can reach the log through it.
 */
export function callObserver(log: Logger, metrics: UserlinkMetrics) {
  // A plain function handing back observingOutcome's generator, not a generator of its
  // own delegating to it: each generator layer (its frame, its pending request and
  // promise) lives as long as the call, and an open stream keeps every layer alive.
  // nice-grpc iterates what a middleware returns at once, so the set-up below runs
  // when it would have as the generator's first step.
  return function observeCall<Req, Res>(
    call: ServerMiddlewareCall<Req, Res>,
    context: CallContext,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const started = performance.now();
    const sent = context.metadata.get(REQUEST_ID_HEADER);
    const requestId = typeof sent === "string" && USABLE_REQUEST_ID.test(sent) ? sent : randomUUID();
    context.header.set(REQUEST_ID_HEADER, requestId);
    const method = call.method.path.slice(1);
    const streaming = call.method.responseStream;
    if (streaming) metrics.activeStreams.inc({ method });

    return observingOutcome(call, context, ({ code, reason }) => {
      const seconds = (performance.now() - started) / 1000;
      if (streaming) metrics.activeStreams.dec({ method });
      else metrics.latency.observe({ method }, seconds);
      metrics.calls.inc({ method, code: Status[code] });
      countCodes(metrics, call.method.path, code, reason);
      log.info(
        {
          method,
          code: Status[code],
          ...(reason !== undefined && { reason }),
          latency_ms: Math.round(seconds * 10_000) / 10,
          request_id: requestId,
          peer: context.peer,
        },
        "call",
      );
    });
  };
}

function countCodes(metrics: UserlinkMetrics, path: string, code: Status, reason: string | undefined): void {
  if (path === REQUEST_AUTH_CODE && code === Status.OK) metrics.codesIssued.inc();
  if (path !== CREATE_USER) return;
  if (code === Status.OK) metrics.codesRedeemed.inc();
  else metrics.codesRejected.inc({ reason: reason ?? Status[code] });
}
