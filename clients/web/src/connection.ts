import {
  createChannel,
  createClient,
  FetchTransport,
  Metadata,
  type CallOptions as NiceCallOptions,
  type Channel,
  type CompatServiceDefinition,
} from "nice-grpc-web";
import { DEFAULT_DEADLINE_MS, type CallOptions } from "../../core/src/call-options.js";
import { BaseCaller, type CallScope, type RawMethod } from "../../core/src/base-caller.js";
import type { ServiceDefinition } from "../../core/src/caller.js";
import { toUserlinkError, type LocalEnd } from "../../core/src/userlink-error.js";
import type { ClientOptions } from "./client-options.js";

/** The largest value grpc-timeout carries in milliseconds (8 digits). */
const MAX_TIMEOUT_MS = 99_999_999;

/**
 * One gRPC-Web channel over fetch and the way every call goes through it: its deadline
 * (sent as grpc-timeout and enforced here too, so a stalled network cannot outlive
 * it), cancellation by the caller or by close(), and every failure turned into a
 * UserlinkError with the status details the service sent.
 */
export class Connection extends BaseCaller<NiceCallOptions> {
  readonly #channel: Channel;
  readonly #closing = new AbortController();

  constructor(options: ClientOptions) {
    super(options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    // nice-grpc-web appends "/package.Service/Method" to the address as it is.
    this.#channel = createChannel(options.baseUrl.replace(/\/+$/, ""), FetchTransport());
  }

  close(): void {
    this.#closing.abort();
  }

  protected createClient(service: ServiceDefinition): Record<string, RawMethod<NiceCallOptions>> {
    // The core's ServiceDefinition is the part of a ts-proto generic definition it reads.
    const definition = service as unknown as CompatServiceDefinition;
    return createClient(definition, this.#channel) as unknown as Record<string, RawMethod<NiceCallOptions>>;
  }

  protected scope(
    metadata: Metadata | undefined,
    call: CallOptions,
    deadlineMs: number,
  ): CallScope<NiceCallOptions> {
    const controller = new AbortController();
    let localEnd: LocalEnd;
    let statusDetails: Uint8Array | undefined;
    const end = (why: LocalEnd) => (): void => {
      localEnd ??= why;
      controller.abort();
    };
    const onClose = end("closed");
    const onAbort = end("aborted");
    const listen = (signal: AbortSignal, listener: () => void): void => {
      if (signal.aborted) listener();
      else signal.addEventListener("abort", listener, { once: true });
    };
    listen(this.#closing.signal, onClose);
    if (call.signal !== undefined) listen(call.signal, onAbort);
    const timer = deadlineMs > 0 ? setTimeout(end("deadline"), deadlineMs) : undefined;

    const headers = Metadata(metadata);
    if (deadlineMs > 0) headers.set("grpc-timeout", `${Math.min(Math.ceil(deadlineMs), MAX_TIMEOUT_MS)}m`);
    return {
      options: {
        metadata: headers,
        signal: controller.signal,
        onTrailer: (trailer) => {
          const value = trailer.get("grpc-status-details-bin");
          if (value instanceof Uint8Array) statusDetails = value;
        },
      },
      failure: (error) => toUserlinkError(error, statusDetails, localEnd),
      release: () => {
        clearTimeout(timer);
        this.#closing.signal.removeEventListener("abort", onClose);
        call.signal?.removeEventListener("abort", onAbort);
      },
    };
  }
}
