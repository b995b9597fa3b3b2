import { Status } from "nice-grpc-common";
import { CreateApiKeyRequest } from "../../../src/gen/userlink/v1/admin_service.js";
import { CreateUserRequest } from "../../../src/gen/userlink/v1/device_service.js";
import { ApiKeyScope, DeviceType, Platform } from "../../../src/gen/userlink/v1/types.js";
import { UserlinkError } from "./userlink-error.js";

/** An enum field of a request: where it is (JSON names), its proto path, and its values. */
export interface EnumField {
  readonly path: readonly string[];
  readonly field: string;
  readonly values: Readonly<Record<string, string | number>>;
}

/**
 * Every enum field of every request message, by the message's generated codec.
 * test/clients/enum-fields.test.ts checks this list against the proto descriptors, so a
 * new enum field in a request cannot be forgotten here.
 */
export const ENUM_FIELDS: ReadonlyMap<unknown, readonly EnumField[]> = new Map<unknown, readonly EnumField[]>(
  [
    [
      CreateUserRequest,
      [
        { path: ["device", "platform"], field: "device.platform", values: Platform },
        { path: ["device", "deviceType"], field: "device.device_type", values: DeviceType },
      ],
    ],
    [CreateApiKeyRequest, [{ path: ["scopes"], field: "scopes", values: ApiKeyScope }]],
  ],
);

/**
 * The request with each enum given by its proto name (`"PLATFORM_IOS"`, natural in
 * JavaScript) turned into its number. Numbers pass as they are (proto3 enums are open;
 * the service judges them). Anything else is refused here with INVALID_ARGUMENT naming
 * the field, where the encoder would fail with "invalid int32: NaN" as INTERNAL.
 */
export function normalizeEnums<Request>(requestType: unknown, request: Request, method: string): Request {
  const fields = ENUM_FIELDS.get(requestType);
  if (fields === undefined) return request;
  let result: unknown = request;
  for (const field of fields) result = mapAt(result, field.path, (value) => enumValue(value, field, method));
  return result as Request;
}

function enumValue(value: unknown, field: EnumField, method: string): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && typeof field.values[value] === "number") return field.values[value];
  const names = Object.keys(field.values).filter((name) => typeof field.values[name] === "number");
  const description = `${JSON.stringify(value)} is not a ${field.field} value: give one of ${names.join(", ")} or its number`;
  throw new UserlinkError({
    code: Status.INVALID_ARGUMENT,
    details: description,
    method,
    errorInfo: { reason: "INVALID_ARGUMENT", domain: "userlink.v1", metadata: {} },
    badRequest: { fieldViolations: [{ field: field.field, description }] },
  });
}

/** A copy of `value` with `map` applied at `path` (to each element of an array there). */
function mapAt(value: unknown, path: readonly string[], map: (leaf: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((element) => mapAt(element, path, map));
  if (path.length === 0) return map(value);
  if (typeof value !== "object" || value === null) return value;
  const [key, ...rest] = path as [string, ...string[]];
  if (!(key in value)) return value;
  const record = value as Record<string, unknown>;
  return { ...record, [key]: mapAt(record[key], rest, map) };
}
