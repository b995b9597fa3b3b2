import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const DESCRIPTOR_SET = new URL("../gen/userlink.binpb", import.meta.url);

let loaded: { bytes: Uint8Array; registry: FileRegistry } | undefined;

/**
 * The contract as descriptors (`npm run gen` builds userlink.binpb from proto/ and
 * third_party/proto/): what server reflection serves, and what the transports read
 * field names and types from where the generated code has none (proto field names for
 * a BadRequest, the proto3 JSON mapping for Connect).
 */
export function descriptorSet(): { bytes: Uint8Array; registry: FileRegistry } {
  if (loaded === undefined) {
    const bytes = new Uint8Array(readFileSync(DESCRIPTOR_SET));
    loaded = { bytes, registry: createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)) };
  }
  return loaded;
}

/** The request and response message of `/<service>/<method>`, or undefined when unknown. */
export function methodMessages(path: string): { input: DescMessage; output: DescMessage } | undefined {
  const [, service, name] = path.split("/");
  const method = descriptorSet()
    .registry.getService(service ?? "")
    ?.methods.find((m) => m.name === name);
  return method && { input: method.input, output: method.output };
}
