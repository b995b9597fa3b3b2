import {
  createChannel,
  createClient,
  FetchTransport,
  Metadata,
  type CallOptions as NiceCallOptions,
  type Channel,
  type Client,
  type CompatServiceDefinition,
} from "nice-grpc-web";
import { DEFAULT_DEADLINE_MS, type CallOptions, type ClientOptions } from "./client-options.js";
import { toUserlinkError, type LocalEnd } from "./userlink-error.js";

/** The largest value grpc-timeout carries in milliseconds (8 digits). */
const MAX_TIMEOUT_MS = 99_999_999;

/** How one call runs: its options for nice-grpc-web, and how a failure of it reads. */
interface CallScope {
  readonly options: NiceCallOptions;
  failure(error: unknown): Error;
  release(): void;
}

/**
 * One gRPC-Web channel over fetch and the way every call goes through it: its deadline
 * (sent as grpc-timeout and enforced here too, so a stalled network cannot outlive
 * it), cancellation by the caller or by close(), and every failure turned into a
 * UserlinkError with the status details the service sent.
 */
export class Connection {
  readonly #channel: Channel;
  readonly #deadlineMs: number;
  readonly #closing = new AbortController();

  constructor(options: ClientOptions) {
    // nice-grpc-web appends "/package.Service/Method" to the address as it is.
    this.#channel = createChannel(options.baseUrl.replace(/\/+$/, ""), FetchTransport());
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

  client<Service extends CompatServiceDefinition>(definition: Service): Client<Service> {
    return createClient(definition, this.#channel);
  }

  async unary<Request, Response>(
    method: (request: Request, options: NiceCallOptions) => Promise<Response>,
    request: Request,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): Promise<Response> {
    const scope = this.#scope(metadata, call, call.deadlineMs ?? this.#deadlineMs);
    try {
      return await method(request, scope.options);
    } catch (error) {
      throw scope.failure(error);
    } finally {
      scope.release();
    }
  }

  async *serverStream<Request, Response>(
    method: (request: Request, options: NiceCallOptions) => AsyncIterable<Response>,
    request: Request,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): AsyncIterable<Response> {
    const scope = this.#scope(metadata, call, call.deadlineMs ?? 0);
    try {
      yield* method(request, scope.options);
    } catch (error) {
      throw scope.failure(error);
    } finally {
      scope.release();
    }
  }

  /** Ends every call and stream in flight with CANCELLED; later calls fail the same way. */
  close(): void {
    this.#closing.abort();
  }

  #scope(metadata: Metadata | undefined, call: CallOptions, deadlineMs: number): CallScope {
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

/** `authorization: Bearer <token>`, or nothing without a token. */
export function bearer(token: string | undefined): Metadata | undefined {
  return token === undefined || token === "" ? undefined : Metadata({ authorization: `Bearer ${token}` });
}
