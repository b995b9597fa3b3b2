import type { UserlinkError } from "./userlink-error.js";

/** Per call: cancel it through `signal`, or give it its own deadline (0 for none). */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly deadlineMs?: number;
}

/** Retries of `UNAVAILABLE`, for the calls the proto marks safe to repeat (see the README). */
export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  readonly maxRetries?: number;
  /** The first backoff; each retry doubles it, with jitter. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** The longest backoff. Default 5 000 ms. */
  readonly maxDelayMs?: number;
  /** Called before each retry, e.g. to log it. `attempt` counts from 0. */
  readonly onRetry?: (error: UserlinkError, attempt: number, delayMs: number) => void;
}

/** The default deadline of a unary call, retries included. Streams have none by default. */
export const DEFAULT_DEADLINE_MS = 10_000;

export const DEFAULT_RETRY = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 5_000 } as const;
