import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import { Status, type CallContext, type Metadata, type ServerMiddlewareCall } from "nice-grpc";
import { observingOutcome } from "./call-outcome.js";

/** The ErrorInfo reason of a failed call (`AUTH_CODE_ALREADY_USED`). */
export const ERROR_REASON_ATTRIBUTE = "userlink.error.reason";

/** Reads `traceparent`/`tracestate` (or whatever OTEL_PROPAGATORS names) from gRPC metadata. */
const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => [...metadata].map(([key]) => key),
  get: (metadata, key) => {
    const values = metadata.getAll(key).filter((value): value is string => typeof value === "string");
    return values.length === 0 ? undefined : values;
  },
};

/**
 * One SERVER span per call, named `userlink.v1.LinkService/RequestAuthCode`, child of
 * the caller's `traceparent` when one came (gRPC-Web calls carry it through the
 * translator as a header like any other). It records the method, the gRPC status and
 * the ErrorInfo reason, and nothing else: no metadata, no message, no peer address,
 * so no key, code, token or user id can reach a trace through it. The handler runs in
 * the span's context, so the database and Redis spans become its children.
 *
 * With no SDK started the tracer is the API's no-op one: the call goes straight on.
 */
export function tracing() {
  return function traceCall<Req, Res>(
    call: ServerMiddlewareCall<Req, Res>,
    context: CallContext,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const parent = propagation.extract(ROOT_CONTEXT, context.metadata, metadataGetter);
    const name = call.method.path.slice(1);
    const slash = name.lastIndexOf("/");
    // Looked up per call, not once: the SDK may start (or start again) after this
    // middleware was built, and a tracer taken earlier would keep the old provider.
    const span = trace.getTracer("userlink").startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "rpc.system": "grpc",
          "rpc.service": name.slice(0, slash),
          "rpc.method": name.slice(slash + 1),
        },
      },
      parent,
    );
    // No SDK, or a call the sampler dropped: no span to fill, no context to carry
    // (whatever runs below would be dropped too), and no extra generator per call.
    if (!span.isRecording()) return call.next(call.request, context);
    return bindToContext(trace.setSpan(parent, span), traced(span, call, context));
  };
}

function traced<Req, Res>(
  span: Span,
  call: ServerMiddlewareCall<Req, Res>,
  context: CallContext,
): AsyncGenerator<Res, Res | void, undefined> {
  return observingOutcome(call, context, ({ code, reason }) => {
    span.setAttribute("rpc.grpc.status_code", code);
    if (reason !== undefined) span.setAttribute(ERROR_REASON_ATTRIBUTE, reason);
    // A fixed text: an error's message may quote what the caller sent.
    if (code !== Status.OK) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: [Status[code], reason].filter(Boolean).join(" "),
      });
    }
    span.end();
  });
}

/**
 * An async generator's body runs in the context of whoever calls `next()`, which is
 * nice-grpc, outside the span. Every step is run inside `active` instead, so that the
 * handler (and the queries it makes) see the call's span as the active one.
 */
function bindToContext<T, R>(
  active: Context,
  generator: AsyncGenerator<T, R, undefined>,
): AsyncGenerator<T, R, undefined> {
  const bound: AsyncGenerator<T, R, undefined> = {
    next: (...args: [] | [undefined]) => otelContext.with(active, () => generator.next(...args)),
    return: (value) => otelContext.with(active, () => generator.return(value)),
    throw: (error) => otelContext.with(active, () => generator.throw(error)),
    [Symbol.asyncIterator]: () => bound,
  };
  return bound;
}
