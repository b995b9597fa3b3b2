import type { Metadata } from "nice-grpc-common";
import type { CallOptions } from "./call-options.js";
import type { Caller, ServiceDefinition } from "./caller.js";

/** A method of a nice-grpc or nice-grpc-web client: a promise for unary calls, an iterable for streams. */
export type RawMethod<Options> = (
  request: object,
  options: Options,
) => Promise<unknown> & AsyncIterable<unknown>;

/** How one call runs on a transport: its options, how a failure of it reads, and its cleanup. */
export interface CallScope<Options> {
  readonly options: Options;
  failure(error: unknown): Error;
  release(): void;
}

/**
 * What both transports do alike: one nice-grpc(-web) client per service, each call run
 * in a scope the transport makes (signal, deadline, trailer) and its failure mapped.
 */
export abstract class BaseCaller<Options> implements Caller {
  readonly #clients = new Map<ServiceDefinition, Record<string, RawMethod<Options>>>();

  constructor(readonly defaultDeadlineMs: number) {}

  /** The transport's client for a generated definition, methods by their camelCase key. */
  protected abstract createClient(definition: ServiceDefinition): Record<string, RawMethod<Options>>;

  /** The scope of one call; `unary` is false for a stream (never retried). */
  protected abstract scope(
    metadata: Metadata | undefined,
    call: CallOptions,
    deadlineMs: number,
    unary: boolean,
  ): CallScope<Options>;

  abstract close(): void;

  async unary(
    service: ServiceDefinition,
    method: string,
    request: object,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): Promise<unknown> {
    const scope = this.scope(metadata, call, call.deadlineMs ?? this.defaultDeadlineMs, true);
    try {
      return await this.#method(service, method)(request, scope.options);
    } catch (error) {
      throw scope.failure(error);
    } finally {
      scope.release();
    }
  }

  async *serverStream(
    service: ServiceDefinition,
    method: string,
    request: object,
    metadata: Metadata | undefined,
    call: CallOptions = {},
  ): AsyncIterable<unknown> {
    const scope = this.scope(metadata, call, call.deadlineMs ?? 0, false);
    try {
      yield* this.#method(service, method)(request, scope.options);
    } catch (error) {
      throw scope.failure(error);
    } finally {
      scope.release();
    }
  }

  #method(service: ServiceDefinition, method: string): RawMethod<Options> {
    let client = this.#clients.get(service);
    if (client === undefined) {
      client = this.createClient(service);
      this.#clients.set(service, client);
    }
    return client[method]!;
  }
}
