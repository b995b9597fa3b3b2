import { randomBytes } from "node:crypto";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

export const PG_SCOPE = "@opentelemetry/instrumentation-pg";
export const REDIS_SCOPE = "@opentelemetry/instrumentation-ioredis";

export interface CallerContext {
  readonly traceId: string;
  readonly spanId: string;
  /** W3C `traceparent`, sampled unless `sampled` is false. */
  readonly traceparent: string;
  readonly tracestate: string;
}

/** A caller's W3C trace context: a fresh trace and the caller's own span in it. */
export function callerContext(sampled = true): CallerContext {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return {
    traceId,
    spanId,
    traceparent: `00-${traceId}-${spanId}-0${sampled ? 1 : 0}`,
    tracestate: "caller=1",
  };
}

/** Every span of `spans` below `root` in its trace, at any depth. */
export function descendants(spans: readonly ReadableSpan[], root: ReadableSpan): ReadableSpan[] {
  const inTrace = spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const below = new Set([root.spanContext().spanId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of inTrace) {
      const parent = span.parentSpanContext?.spanId;
      if (parent !== undefined && below.has(parent) && !below.has(span.spanContext().spanId)) {
        below.add(span.spanContext().spanId);
        grew = true;
      }
    }
  }
  return inTrace.filter((s) => s !== root && below.has(s.spanContext().spanId));
}

/** Whether a driver method is wrapped by an instrumentation (shimmer marks its wrappers). */
export const patched = (fn: unknown): boolean => (fn as { __wrapped?: boolean }).__wrapped === true;

/** Every text a span carries, for scanning: name, status, attributes, events, resource. */
export function spanTexts(spans: readonly ReadableSpan[]): string[] {
  const texts: string[] = [];
  const add = (value: unknown) => {
    if (value === undefined || value === null) return;
    for (const item of Array.isArray(value) ? value : [value]) texts.push(String(item));
  };
  for (const span of spans) {
    texts.push(span.name, span.status.message ?? "");
    for (const value of Object.values(span.attributes)) add(value);
    for (const event of span.events) for (const value of Object.values(event.attributes ?? {})) add(value);
    for (const value of Object.values(span.resource.attributes)) add(value);
  }
  return texts;
}
