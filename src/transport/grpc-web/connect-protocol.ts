import { descriptorSet } from "../descriptor-set.js";
import type { CallProtocol } from "./call-protocol.js";
import type { ConnectMethod } from "./connect-call.js";
import { connectStreamProtocol } from "./connect-stream.js";
import { connectUnaryProtocol } from "./connect-unary.js";

/**
 * Connect's protocol (https://connectrpc.com/docs/protocol) for `contentType`, or null
 * when it is none of Connect's: unary `application/json` and `application/proto`,
 * streaming `application/connect+json` and `application/connect+proto`.
 */
export function connectProtocolOf(contentType: string | undefined, path: string): CallProtocol | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const method = methodOf(path);
  switch (type) {
    case "application/json":
      return connectUnaryProtocol("json", method);
    case "application/proto":
      return connectUnaryProtocol("proto", method);
    case "application/connect+json":
      return connectStreamProtocol("json", method);
    case "application/connect+proto":
      return connectStreamProtocol("proto", method);
    default:
      return null;
  }
}

/** Request and response types from the contract's descriptors, by `/<service>/<method>`. */
function methodOf(path: string): ConnectMethod | undefined {
  const [, service, name] = path.split("/");
  const method = descriptorSet()
    .registry.getService(service ?? "")
    ?.methods.find((m) => m.name === name);
  if (
    method === undefined ||
    method.methodKind === "client_streaming" ||
    method.methodKind === "bidi_streaming"
  ) {
    return undefined;
  }
  return {
    input: method.input,
    output: method.output,
    serverStreaming: method.methodKind === "server_streaming",
  };
}
