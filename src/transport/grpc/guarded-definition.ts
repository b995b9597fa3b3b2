import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { MethodDefinition, TsProtoServiceDefinition } from "nice-grpc";
import { methodMessages } from "../descriptor-set.js";
import { invalidUtf8Field } from "./invalid-utf8-field.js";

/** Largest request accepted; larger ones are INVALID_ARGUMENT (rule 13). */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** What a request that could not be decoded becomes, for the middleware to refuse. */
export class UndecodableRequest {
  /**
   * @param field the proto path of the field at fault (`external_user_id`), or null when
   *   the request as a whole is (too large, not a message): then no field is named.
   */
  constructor(
    readonly reason: string,
    readonly field: string | null = null,
  ) {}
}

// Proto3 strings must be valid UTF-8; the default reader would put U+FFFD in place of
// bad bytes and let the request through with text the caller never sent.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const decodeStrictUtf8 = (bytes: Uint8Array): string => strictUtf8.decode(bytes);

/**
 * The service definition nice-grpc would derive from ts-proto's, except that the
 * request decoder never throws: grpc-js answers INTERNAL when a deserializer throws,
 * and undecodable bytes are the caller's fault (INVALID_ARGUMENT), so they become an
 * UndecodableRequest that `rejectUndecodable` turns into that status.
 */
export function guardedDefinition<D extends TsProtoServiceDefinition>(definition: D): D {
  const methods: Record<string, MethodDefinition<unknown, unknown, unknown, unknown, boolean, boolean>> = {};
  for (const [name, method] of Object.entries(definition.methods)) {
    const { requestType, responseType } = method;
    const path = `/${definition.fullName}/${method.name}`;
    const described = methodMessages(path);
    methods[name] = {
      path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestDeserialize: (bytes: Uint8Array) => {
        if (bytes.length > MAX_REQUEST_BYTES) {
          return new UndecodableRequest(
            `the request message is ${bytes.length} bytes, over the limit of ${MAX_REQUEST_BYTES} bytes`,
          );
        }
        try {
          // ts-proto's decode also takes a reader, which nice-grpc's type leaves out.
          const reader = new BinaryReader(bytes, decodeStrictUtf8);
          return requestType.decode(reader as unknown as Uint8Array);
        } catch (error) {
          // The protobuf runtime stops at 100 nested messages: about 33 levels of a Struct.
          if (error instanceof Error && /recursion limit/.test(error.message)) {
            return new UndecodableRequest("the request nests messages too deeply (at most 100 levels)");
          }
          const field = described && invalidUtf8Field(described.input, bytes);
          if (field) return new UndecodableRequest("must be valid UTF-8", field);
          return new UndecodableRequest("the request bytes are not a valid message");
        }
      },
      requestSerialize: (value: unknown) => requestType.encode(fromPartial(requestType, value)).finish(),
      responseDeserialize: (bytes: Uint8Array) => responseType.decode(bytes),
      responseSerialize: (value: unknown) => responseType.encode(fromPartial(responseType, value)).finish(),
      options: method.options,
    };
  }
  // nice-grpc accepts a normalized definition wherever it takes a ts-proto one.
  return methods as unknown as D;
}

/** Handlers may return partial messages (defaults left out); fill them in to encode. */
function fromPartial<T>(type: { fromPartial?: (value: never) => T }, value: unknown): T {
  return type.fromPartial ? type.fromPartial(value as never) : (value as T);
}
