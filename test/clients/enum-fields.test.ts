// The clients' enum normalization: its list of request enum fields checked against the
// proto descriptors (so a new enum field cannot be forgotten), and what it does to values.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createFileRegistry, fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { ENUM_FIELDS, normalizeEnums } from "../../clients/core/src/enum-fields.js";
import { UserlinkError } from "../../clients/core/src/userlink-error.js";
import { AdminServiceDefinition, CreateApiKeyRequest } from "../../src/gen/userlink/v1/admin_service.js";
import { CreateUserRequest, DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ApiKeyScope, DeviceType, Platform } from "../../src/gen/userlink/v1/types.js";

const DEFINITIONS = [LinkServiceDefinition, DeviceServiceDefinition, AdminServiceDefinition];

/** Every enum field reachable from a message, as proto paths ("device.device_type"). */
function enumPaths(message: DescMessage, prefix = "", seen = new Set<string>()): string[] {
  if (seen.has(message.typeName)) return [];
  const inner = new Set(seen).add(message.typeName);
  return message.fields.flatMap((field) => {
    const path = `${prefix}${field.name}`;
    if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum"))
      return [path];
    if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) {
      return enumPaths(field.message, `${path}.`, inner);
    }
    return [];
  });
}

describe("the clients' enum fields", () => {
  it("list every enum field of every request the contract has, and no other", () => {
    const bytes = readFileSync(resolve(import.meta.dirname, "../../src/gen/userlink.binpb"));
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
    let checked = 0;
    for (const definition of DEFINITIONS) {
      const service = registry.getService(definition.fullName);
      expect(service, definition.fullName).toBeDefined();
      for (const method of Object.values(definition.methods)) {
        const descriptor = service!.methods.find((m) => m.name === method.name)!;
        const expected = enumPaths(descriptor.input).sort();
        const listed = (ENUM_FIELDS.get(method.requestType) ?? []).map((f) => f.field).sort();
        expect(listed, `${definition.fullName}/${method.name}`).toEqual(expected);
        checked += 1;
      }
    }
    expect(checked).toBe(serviceMethodCount(registry));
  });

  it("turns proto names into numbers, keeps numbers, and copies rather than changes the request", () => {
    const request = { authenticationCode: "c", device: { platform: "PLATFORM_IOS", deviceType: 2 } };
    const normalized = normalizeEnums(CreateUserRequest, request, "/m");
    expect(normalized).toEqual({
      authenticationCode: "c",
      device: { platform: Platform.PLATFORM_IOS, deviceType: DeviceType.DEVICE_TYPE_TABLET },
    });
    expect(request.device.platform).toBe("PLATFORM_IOS");
    expect(normalizeEnums(CreateApiKeyRequest, { scopes: ["API_KEY_SCOPE_USER_READ", 1] }, "/m")).toEqual({
      scopes: [ApiKeyScope.API_KEY_SCOPE_USER_READ, ApiKeyScope.API_KEY_SCOPE_USER_LINK],
    });
    expect(normalizeEnums(CreateUserRequest, { authenticationCode: "c" }, "/m")).toEqual({
      authenticationCode: "c",
    });
  });

  it("refuses a name the enum does not have as INVALID_ARGUMENT naming the proto field", () => {
    for (const [request, field] of [
      [{ device: { platform: "PLATFORM_WINDOWS" } }, "device.platform"],
      [{ device: { deviceType: "phone" } }, "device.device_type"],
      [{ device: { platform: 1.5 } }, "device.platform"],
      [{ scopes: [1, "USER_READ"] }, "scopes"],
    ] as const) {
      const type = "scopes" in request ? CreateApiKeyRequest : CreateUserRequest;
      let error: unknown;
      try {
        normalizeEnums(type, request, "/userlink.v1.DeviceService/CreateUser");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserlinkError);
      expect(error).toMatchObject({
        code: Status.INVALID_ARGUMENT,
        codeName: "INVALID_ARGUMENT",
        reason: "INVALID_ARGUMENT",
        method: "/userlink.v1.DeviceService/CreateUser",
        fieldViolations: [{ field }],
      });
    }
  });
});

function serviceMethodCount(registry: ReturnType<typeof createFileRegistry>): number {
  return DEFINITIONS.reduce((n, d) => n + registry.getService(d.fullName)!.methods.length, 0);
}
