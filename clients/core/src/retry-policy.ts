import { Status } from "nice-grpc-common";
import type { RetryOptions as MiddlewareRetryOptions } from "nice-grpc-client-middleware-retry";
import { DEFAULT_RETRY, type RetryOptions } from "./call-options.js";
import { toUserlinkError } from "./userlink-error.js";

/**
 * The call options for nice-grpc-client-middleware-retry. They leave `retry` unset on
 * purpose: the middleware then retries exactly the methods whose generated definition
 * says `idempotencyLevel: "IDEMPOTENT" | "NO_SIDE_EFFECTS"` (the proto's
 * `option idempotency_level`), so the policy lives in the contract, not in a list here.
 * Only UNAVAILABLE is retried: it is what a server restarting or out of reach answers;
 * other statuses are the service's judgement of the request.
 */
export function retryPolicy(settings: false | RetryOptions | undefined): MiddlewareRetryOptions {
  if (settings === false) return { retry: false };
  const { onRetry } = settings ?? {};
  return {
    retryableStatuses: [Status.UNAVAILABLE],
    retryMaxAttempts: settings?.maxRetries ?? DEFAULT_RETRY.maxRetries,
    retryBaseDelayMs: settings?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    retryMaxDelayMs: settings?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    ...(onRetry === undefined
      ? {}
      : { onRetryableError: (error, attempt, delayMs) => onRetry(toUserlinkError(error), attempt, delayMs) }),
  };
}
