import {
  fromBinary,
  fromJson,
  toBinary,
  toJsonString,
  type DescMessage,
  type JsonValue,
} from "@bufbuild/protobuf";
import { descriptorSet } from "../descriptor-set.js";
import { translatorStatus, type TranslatorStatus } from "./translator-status.js";

/**
 * Protobuf's JSON mapping for Connect's JSON codecs, with @bufbuild/protobuf over the
 * descriptors of the contract: lowerCamel or proto field names in, lowerCamel out, enums
 * by name, 64-bit integers as strings, Timestamps and Durations as strings. Unknown keys
 * are refused (the library's default), so a typo is an error and not a silent default.
 */
export function jsonToBinary(type: DescMessage, text: string): Uint8Array | TranslatorStatus {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (error) {
    // Not a field's fault: the ErrorInfo and the message say it, no field is named.
    return translatorStatus.badRequest(`the request body is not valid JSON (${(error as Error).message})`);
  }
  const options = { registry: descriptorSet().registry };
  try {
    return toBinary(type, fromJson(type, json, options));
  } catch (error) {
    const field = locate(type, json, "") ?? type.name;
    const detail = (error as Error).message.replace(/^cannot decode [^:]*: /, "");
    const unknown = /^key ".*" is unknown$/.test(detail);
    const description = unknown ? "is not a field of this message" : `has an invalid value (${detail})`;
    return translatorStatus.badRequest(`invalid request: ${field}: ${description}`, [{ field, description }]);
  }
}

/** The answer's JSON, as Connect clients expect it. */
export function binaryToJson(type: DescMessage, bytes: Uint8Array): string {
  const registry = descriptorSet().registry;
  return toJsonString(type, fromBinary(type, bytes), { registry });
}

/**
 * The proto path of the first key of `json` that does not decode into `type`: an
 * unknown key, or a value of the wrong type, narrowed into nested messages and lists.
 * The library says only which message or field failed, not where in the request.
 */
function locate(type: DescMessage, json: JsonValue, path: string): string | null {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return null;
  const options = { registry: descriptorSet().registry };
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields.find((f) => f.jsonName === key || f.name === key);
    const at = (name: string) => (path === "" ? name : `${path}.${name}`);
    if (field === undefined) return at(key);
    try {
      fromJson(type, { [key]: value }, options);
      continue;
    } catch {
      // This key is the one; narrow down into it below.
    }
    // google.protobuf types have JSON forms of their own (Struct, Duration ...): not walked.
    const walkable = (m: DescMessage) => !m.typeName.startsWith("google.protobuf.");
    if (field.fieldKind === "message" && walkable(field.message)) {
      return locate(field.message, value, at(field.name)) ?? at(field.name);
    }
    if (
      field.fieldKind === "list" &&
      field.listKind === "message" &&
      Array.isArray(value) &&
      walkable(field.message)
    ) {
      for (const [index, item] of value.entries()) {
        const inner = locate(field.message, item, `${at(field.name)}[${index}]`);
        if (inner !== null) return inner;
      }
    }
    return at(field.name);
  }
  return null;
}
