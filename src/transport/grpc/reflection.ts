import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";

/**
 * grpc.reflection.v1alpha.ServerReflection: the first version of the reflection
 * protocol, which grpcurl, grpcui, Postman and `buf curl --reflect-protocol grpc-v1alpha`
 * still speak. nice-grpc-server-reflection serves only v1; v1 was published as a copy of
 * v1alpha under a new package name (same messages, same field numbers), so the
 * library's service under the v1alpha path answers v1alpha callers byte for byte.
 */
export const ServerReflectionV1AlphaService = Object.fromEntries(
  Object.entries(ServerReflectionService).map(([name, method]) => [
    name,
    { ...method, path: method.path.replace("/grpc.reflection.v1.", "/grpc.reflection.v1alpha.") },
  ]),
) as unknown as typeof ServerReflectionService;

/** One implementation for both versions, over the descriptor set built by `npm run gen`. */
export function reflectionImplementation(
  descriptorSet: Uint8Array,
  serviceNames: readonly string[],
): ReturnType<typeof ServerReflection> {
  return ServerReflection(descriptorSet, serviceNames);
}
