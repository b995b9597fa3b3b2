import {
  createClientFactory,
  Metadata,
  Status,
  type CallOptions as NiceCallOptions,
  type Channel,
  type Client,
  type CompatServiceDefinition,
} from "nice-grpc";
import { deadlineMiddleware, type DeadlineOptions } from "nice-grpc-client-middleware-deadline";
import { retryMiddleware, type RetryOptions as NiceRetryOptions } from "nice-grpc-client-middleware-retry";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { openChannel } from "./channel.js";
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_RETRY,
  type CallOptions,
  type ClientOptions,
  type RetryOptions,
} from "./client-options.js";
import { toUserlinkError, UserlinkError } from "./userlink-error.js";

type RawOptions = NiceCallOptions & NiceRetryOptions & DeadlineOptions;

/** Whether a failed attempt may be sent again: only for calls that are safe to repeat. */
export type Repeat = "retry" | "once";

/**
 * One channel and the way every call goes through it: rich error details decoded,
 * UNAVAILABLE retried with backoff for the calls marked "retry", one deadline over all
 * attempts, and every failure turned into a UserlinkError.
 */
export class Connection {
  readonly #channel: Channel;
  readonly #deadlineMs: number;
  readonly #retry: false | RetryOptions;
  /** Aborted by close(): grpc-js' own close() would let calls and streams in flight run on. */
  readonly #closing = new AbortController();
  // Attached first, invoked last: the deadline wraps the retries, which wrap the decoder.
  readonly #factory = createClientFactory()
    .use(errorDetailsClientMiddleware)
    .use(retryMiddleware)
    .use(deadlineMiddleware);

  constructor(options: ClientOptions) {
    this.#channel = openChannel(options);
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#retry = options.retry === false ? false : { ...DEFAULT_RETRY, ...options.retry };
  }

  client<Service extends CompatServiceDefinition>(definition: Service): Client<Service, RawOptions> {
    return this.#factory.create(definition, this.#channel);
  }

  async unary<Request, Response>(
    method: (request: Request, options: RawOptions) => Promise<Response>,
    request: Request,
    repeat: Repeat,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): Promise<Response> {
    const signal = this.#signalFor(call);
    try {
      return await method(request, {
        ...this.#retryOptions(repeat),
        ...this.#common(metadata, signal.signal, call.deadlineMs ?? this.#deadlineMs),
      });
    } catch (error) {
      throw this.#failure(error);
    } finally {
      signal.release();
    }
  }

  async *serverStream<Request, Response>(
    method: (request: Request, options: RawOptions) => AsyncIterable<Response>,
    request: Request,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): AsyncIterable<Response> {
    const signal = this.#signalFor(call);
    try {
      yield* method(request, this.#common(metadata, signal.signal, call.deadlineMs ?? 0));
    } catch (error) {
      throw this.#failure(error);
    } finally {
      signal.release();
    }
  }

  /** Ends every call and stream in flight with CANCELLED; later calls fail the same way. */
  close(): void {
    this.#closing.abort();
    this.#channel.close();
  }

  #failure(error: unknown): UserlinkError {
    if (this.#closing.signal.aborted && error instanceof Error && error.name === "AbortError") {
      return new UserlinkError(
        { status: Status.CANCELLED, details: "the client was closed" },
        { cause: error },
      );
    }
    return toUserlinkError(error);
  }

  /** One signal for the call that aborts with the caller's signal or with close(). */
  #signalFor(call: CallOptions): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    const sources = [this.#closing.signal, ...(call.signal === undefined ? [] : [call.signal])];
    const abort = (): void => controller.abort();
    for (const source of sources) {
      if (source.aborted) controller.abort();
      else source.addEventListener("abort", abort, { once: true });
    }
    return {
      signal: controller.signal,
      release: () => sources.forEach((source) => source.removeEventListener("abort", abort)),
    };
  }

  #common(metadata: Metadata | undefined, signal: AbortSignal, deadlineMs: number): RawOptions {
    return {
      signal,
      ...(metadata === undefined ? {} : { metadata }),
      ...(deadlineMs > 0 ? { deadline: deadlineMs } : {}),
    };
  }

  #retryOptions(repeat: Repeat): NiceRetryOptions {
    const settings = this.#retry;
    if (repeat === "once" || settings === false) return { retry: false };
    const { onRetry } = settings;
    return {
      retry: true,
      retryableStatuses: [Status.UNAVAILABLE],
      retryMaxAttempts: settings.maxRetries ?? DEFAULT_RETRY.maxRetries,
      retryBaseDelayMs: settings.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      retryMaxDelayMs: settings.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      ...(onRetry === undefined
        ? {}
        : {
            onRetryableError: (error, attempt, delayMs) => onRetry(toUserlinkError(error), attempt, delayMs),
          }),
    };
  }
}

/** `authorization: Bearer <token>`, or nothing without a token. */
export function bearer(token: string | undefined): Metadata | undefined {
  return token === undefined || token === "" ? undefined : Metadata({ authorization: `Bearer ${token}` });
}
