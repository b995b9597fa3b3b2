import {
  createClientFactory,
  type CallOptions as NiceCallOptions,
  type Channel,
  type CompatServiceDefinition,
  type Metadata,
} from "nice-grpc";
import { deadlineMiddleware, type DeadlineOptions } from "nice-grpc-client-middleware-deadline";
import { retryMiddleware, type RetryOptions as NiceRetryOptions } from "nice-grpc-client-middleware-retry";
import { BaseCaller, type CallScope, type RawMethod } from "../../core/src/base-caller.js";
import { DEFAULT_DEADLINE_MS, type CallOptions } from "../../core/src/call-options.js";
import type { ServiceDefinition } from "../../core/src/caller.js";
import { retryPolicy } from "../../core/src/retry-policy.js";
import { toUserlinkError, type LocalEnd } from "../../core/src/userlink-error.js";
import { openChannel } from "./channel.js";
import type { ClientOptions } from "./client-options.js";

type RawOptions = NiceCallOptions & NiceRetryOptions & DeadlineOptions;

/**
 * One grpc-js channel and the way every call goes through it: UNAVAILABLE retried with
 * backoff for the methods the proto marks idempotent, one deadline over all attempts,
 * the rich error details read from the trailer, and every failure a UserlinkError.
 */
export class Connection extends BaseCaller<RawOptions> {
  readonly #channel: Channel;
  readonly #retry: NiceRetryOptions;
  /** Aborted by close(): grpc-js' own close() would let calls and streams in flight run on. */
  readonly #closing = new AbortController();
  // Attached first, invoked last: the deadline wraps the retries.
  readonly #factory = createClientFactory().use(retryMiddleware).use(deadlineMiddleware);

  constructor(options: ClientOptions) {
    super(options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    this.#channel = openChannel(options);
    this.#retry = retryPolicy(options.retry);
  }

  close(): void {
    this.#closing.abort();
    this.#channel.close();
  }

  protected createClient(service: ServiceDefinition): Record<string, RawMethod<RawOptions>> {
    // The core's ServiceDefinition is the part of a ts-proto generic definition it reads.
    const definition = service as unknown as CompatServiceDefinition;
    return this.#factory.create(definition, this.#channel) as unknown as Record<
      string,
      RawMethod<RawOptions>
    >;
  }

  /** One signal that aborts with the caller's or with close(); the trailer's details kept. */
  protected scope(
    metadata: Metadata | undefined,
    call: CallOptions,
    deadlineMs: number,
    unary: boolean,
  ): CallScope<RawOptions> {
    const controller = new AbortController();
    let statusDetails: Uint8Array | undefined;
    const sources = [this.#closing.signal, ...(call.signal === undefined ? [] : [call.signal])];
    const abort = (): void => controller.abort();
    for (const source of sources) {
      if (source.aborted) controller.abort();
      else source.addEventListener("abort", abort, { once: true });
    }
    const options: RawOptions = {
      ...(unary ? this.#retry : { retry: false }),
      signal: controller.signal,
      ...(metadata === undefined ? {} : { metadata }),
      ...(deadlineMs > 0 ? { deadline: deadlineMs } : {}),
      // Each attempt's trailer replaces the last: the details are those of the final answer.
      onTrailer: (trailer) => {
        const value = trailer.get("grpc-status-details-bin");
        statusDetails = value instanceof Uint8Array ? value : undefined;
      },
    };
    return {
      options,
      failure: (error) => {
        const aborted = error instanceof Error && error.name === "AbortError";
        const localEnd: LocalEnd = !aborted ? undefined : this.#closing.signal.aborted ? "closed" : "aborted";
        return toUserlinkError(error, statusDetails, localEnd);
      },
      release: () => sources.forEach((source) => source.removeEventListener("abort", abort)),
    };
  }
}
