import type { Metadata } from "nice-grpc-common";
import type { CallOptions } from "./call-options.js";
import type { DeepPartial } from "../../../src/gen/userlink/v1/types.js";

/** A method of a ts-proto generic service definition (src/gen), as far as the clients need it. */
export interface MethodDefinition {
  readonly name: string;
  readonly requestType: { decode(input: Uint8Array): unknown };
  readonly responseType: { decode(input: Uint8Array): unknown };
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** `idempotencyLevel` from the proto's `option idempotency_level`: what the retry policy reads. */
  readonly options: { readonly idempotencyLevel?: "IDEMPOTENT" | "NO_SIDE_EFFECTS" };
}

export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [key: string]: MethodDefinition };
}

/**
 * What a transport (grpc-js in clients/node, gRPC-Web in clients/web) does for the
 * shared clients: run one call of a generated method with its credential and call
 * options, failing with a UserlinkError.
 */
export interface Caller {
  unary(
    service: ServiceDefinition,
    method: string,
    request: object,
    metadata: Metadata | undefined,
    call: CallOptions | undefined,
  ): Promise<unknown>;
  serverStream(
    service: ServiceDefinition,
    method: string,
    request: object,
    metadata: Metadata | undefined,
    call: CallOptions | undefined,
  ): AsyncIterable<unknown>;
  /** Ends every call and stream in flight with CANCELLED; later calls fail the same way. */
  close(): void;
}

type RequestOf<M> = M extends { requestType: { decode(input: Uint8Array): infer R } } ? R : never;
type ResponseOf<M> = M extends { responseType: { decode(input: Uint8Array): infer R } } ? R : never;

/**
 * A client method for `service.methods[key]`, typed from the generated definition. The
 * request is a DeepPartial (every field optional, as proto3 has it), so it may be left out.
 */
export type Unary<S extends ServiceDefinition, K extends keyof S["methods"]> = (
  request?: DeepPartial<RequestOf<S["methods"][K]>>,
  options?: CallOptions,
) => Promise<ResponseOf<S["methods"][K]>>;

export type ServerStream<S extends ServiceDefinition, K extends keyof S["methods"]> = (
  request?: DeepPartial<RequestOf<S["methods"][K]>>,
  options?: CallOptions,
) => AsyncIterable<ResponseOf<S["methods"][K]>>;
