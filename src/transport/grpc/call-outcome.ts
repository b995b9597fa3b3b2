import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from "nice-grpc";
import { ErrorInfo, RichServerError } from "nice-grpc-error-details";

/** How a call ended, as its caller sees it: the gRPC status and the ErrorInfo reason. */
export interface CallOutcome {
  readonly code: Status;
  readonly reason: string | undefined;
}

/**
 * Runs the rest of the chain and tells `settled` how the call ended, once, whatever
 * way it ends (answer, error, or the caller going away), then passes the outcome on
 * unchanged. The middlewares that observe calls (the log line and metrics, the trace
 * span) read the outcome here, so they always agree on it.
 */
export async function* observingOutcome<Req, Res>(
  call: ServerMiddlewareCall<Req, Res>,
  context: CallContext,
  settled: (outcome: CallOutcome) => void,
): AsyncGenerator<Res, Res | void, undefined> {
  let code = Status.OK;
  let reason: string | undefined;
  try {
    return yield* call.next(call.request, context);
  } catch (error) {
    if (error instanceof ServerError) {
      code = error.code;
      reason = reasonOf(error);
    } else {
      code = context.signal.aborted ? Status.CANCELLED : Status.UNKNOWN;
    }
    throw error;
  } finally {
    // A call that "succeeded" after its caller left was never answered.
    if (context.signal.aborted && code === Status.OK) code = Status.CANCELLED;
    settled({ code, reason });
  }
}

function reasonOf(error: ServerError): string | undefined {
  if (!(error instanceof RichServerError)) return undefined;
  return error.extra.find((detail): detail is ErrorInfo => detail.$type === ErrorInfo.$type)?.reason;
}
