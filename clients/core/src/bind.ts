import { Metadata } from "nice-grpc-common";
import type { CallOptions } from "./call-options.js";
import type { Caller, ServerStream, ServiceDefinition, Unary } from "./caller.js";
import { normalizeEnums } from "./enum-fields.js";

/**
 * A typed client method for `service.methods[key]`: its enums normalized, its
 * credential read at call time (a device's access token can change), run by `caller`.
 */
export function unary<S extends ServiceDefinition, K extends keyof S["methods"] & string>(
  caller: Caller,
  service: S,
  key: K,
  metadata: () => Metadata | undefined,
  prepare: (request: object) => object = (request) => request,
): Unary<S, K> {
  const method = service.methods[key]!;
  const path = `/${service.fullName}/${method.name}`;
  // async: a request refused here rejects like any other failure, it does not throw.
  return (async (request: object = {}, call) =>
    caller.unary(
      service,
      key,
      prepare(normalizeEnums(method.requestType, request, path)),
      metadata(),
      call,
    )) as Unary<S, K>;
}

export function serverStream<S extends ServiceDefinition, K extends keyof S["methods"] & string>(
  caller: Caller,
  service: S,
  key: K,
  metadata: () => Metadata | undefined,
): ServerStream<S, K> {
  const method = service.methods[key]!;
  const path = `/${service.fullName}/${method.name}`;
  return async function* (request: object = {}, call?: CallOptions) {
    yield* caller.serverStream(
      service,
      key,
      normalizeEnums(method.requestType, request, path),
      metadata(),
      call,
    );
  } as ServerStream<S, K>;
}

/** `authorization: Bearer <token>`, or nothing without a token. */
export function bearer(token: string | undefined): Metadata | undefined {
  return token === undefined || token === "" ? undefined : Metadata({ authorization: `Bearer ${token}` });
}
