import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from "nice-grpc";
import { AppError } from "../../domain/errors.js";
import type { Logger } from "../../ports/logger.js";
import { toRichServerError } from "./error-mapping.js";
import { UndecodableRequest } from "./guarded-definition.js";

/**
 * Refuses undecodable requests, maps AppError to its status and turns anything
 * unexpected into INTERNAL with a generic message (the details go to the log only).
 * Runs inside errorDetailsServerMiddleware, which writes the rich details.
 */
export function errorMiddleware(log: Logger) {
  return async function* mapErrors<Req, Res>(
    call: ServerMiddlewareCall<Req, Res>,
    context: CallContext,
  ): AsyncGenerator<Res, Res | void, undefined> {
    try {
      if (call.request instanceof UndecodableRequest) {
        const { field, reason } = call.request;
        // BadRequest names fields; a request wrong as a whole has none to name, so it
        // gets the ErrorInfo and the message only.
        throw field === null
          ? new AppError("INVALID_ARGUMENT", `invalid request: ${reason}`)
          : new AppError("INVALID_ARGUMENT", `invalid request: ${field}: ${reason}`, {
              fieldViolations: [{ field, description: reason }],
            });
      }
      return yield* call.next(call.request, context);
    } catch (error) {
      if (error instanceof AppError) throw toRichServerError(error);
      if (error instanceof ServerError) throw error;
      if (context.signal.aborted) throw new ServerError(Status.CANCELLED, "the call was cancelled");
      log.error({ err: error, method: call.method.path }, "unexpected error");
      throw new ServerError(Status.INTERNAL, "internal error");
    }
  };
}
