import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The proto path of the first string field in `bytes` that is not valid UTF-8
 * (`external_user_id`, `device.model`, `sdk_config.fields`), or null when there is
 * none or the bytes do not parse. The decoder only learns that decoding failed; this
 * walks the wire format again with the message's descriptor to say where, so the
 * BadRequest can name the field.
 */
export function invalidUtf8Field(message: DescMessage, bytes: Uint8Array): string | null {
  try {
    return walk(message, bytes, 0);
  } catch {
    return null;
  }
}

// Deeper than the decoder itself allows (100): such a request never gets here.
const MAX_DEPTH = 100;

function walk(message: DescMessage, bytes: Uint8Array, depth: number): string | null {
  if (depth > MAX_DEPTH) return null;
  const reader = new BinaryReader(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = message.fields.find((f) => f.number === number);
    if (field === undefined || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const index = seen.get(number) ?? 0;
    seen.set(number, index + 1);
    const found = inField(field, reader.bytes(), index, depth);
    if (found !== null) return found;
  }
  return null;
}

function inField(field: DescField, chunk: Uint8Array, index: number, depth: number): string | null {
  const name = field.name;
  const nested = (type: DescMessage, prefix: string): string | null => {
    const inner = walk(type, chunk, depth + 1);
    return inner === null ? null : `${prefix}.${inner}`;
  };
  switch (field.fieldKind) {
    case "scalar":
      return field.scalar === ScalarType.STRING && !isUtf8(chunk) ? name : null;
    case "message":
      return nested(field.message, name);
    case "list":
      if (field.listKind === "scalar") {
        return field.scalar === ScalarType.STRING && !isUtf8(chunk) ? `${name}[${index}]` : null;
      }
      return field.listKind === "message" ? nested(field.message, `${name}[${index}]`) : null;
    case "map":
      return inMapEntry(field, chunk, depth);
    default:
      return null;
  }
}

/** A map entry: key 1, value 2. A bad key names the map; a bad value names its key. */
function inMapEntry(
  field: DescField & { fieldKind: "map" },
  chunk: Uint8Array,
  depth: number,
): string | null {
  const reader = new BinaryReader(chunk);
  let key: string | null = null;
  let value: Uint8Array | null = null;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.LengthDelimited && field.mapKey === ScalarType.STRING) {
      const bytes = reader.bytes();
      if (!isUtf8(bytes)) return field.name;
      key = strictUtf8.decode(bytes);
    } else if (number === 2 && wireType === WireType.LengthDelimited) {
      value = reader.bytes();
    } else {
      reader.skip(wireType, number);
    }
  }
  if (value === null) return null;
  // A long key would make the path longer than the value; the map's name says enough.
  const at = key === null || key.length > 64 ? field.name : `${field.name}[${JSON.stringify(key)}]`;
  if (field.mapKind === "scalar") return field.scalar === ScalarType.STRING && !isUtf8(value) ? at : null;
  if (field.mapKind !== "message") return null;
  const inner = walk(field.message, value, depth + 1);
  return inner === null ? null : `${at}.${inner}`;
}
