import { describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import { AUTH_CODE_TTL } from "../../src/domain/limits.js";
import type { JsonObject } from "../../src/domain/model.js";
import { generateSecret } from "../../src/domain/secrets.js";
import { LIMITS, Violations } from "../../src/domain/validation.js";
import { checkAuthCodeTtl, checkDisplayName, checkSdkConfig } from "../../src/services/admin-input.js";
import {
  validateCreateUser,
  validateSelector,
  type CreateUserInput,
} from "../../src/transport/grpc/message-mapping.js";
import { fieldsOf, violationsOf } from "./violations-of.js";

// Rule 13 for the requests the services check themselves: the field paths are the proto
// names (`device.platform`), every bad field is reported at once, and a request that
// fails here never reaches the code store (a bad request never burns a code).

const goodCreateUser: CreateUserInput = {
  authenticationCode: generateSecret(),
  requestId: "retry-1",
  app: { appVersion: "1.2.3", sdkVersion: "4.5.6" },
  device: { platform: "IOS", deviceType: "PHONE", model: "iPhone15,2", osVersion: "17.1" },
};

describe("validateCreateUser", () => {
  it("accepts a complete request and tells a well-formed code from one that cannot be ours", () => {
    expect(validateCreateUser(goodCreateUser)).toEqual({ codeWellFormed: true });
    // Not bad input: an unknown code is AUTH_CODE_INVALID, decided later without a lookup.
    expect(validateCreateUser({ ...goodCreateUser, authenticationCode: "not-a-code" })).toEqual({
      codeWellFormed: false,
    });
  });

  it("takes app and the optional texts as absent", () => {
    const bare: CreateUserInput = {
      ...goodCreateUser,
      app: null,
      device: { platform: "ANDROID", deviceType: "TABLET", model: "", osVersion: "" },
    };
    expect(validateCreateUser(bare).codeWellFormed).toBe(true);
  });

  it("requires the code, the request id and the device", () => {
    expect(
      fieldsOf(() =>
        validateCreateUser({ ...goodCreateUser, authenticationCode: "", requestId: "", device: null }),
      ),
    ).toEqual(["authentication_code", "request_id", "device"]);
  });

  it("refuses an unspecified platform and device type (the _UNSPECIFIED values)", () => {
    const device = { ...goodCreateUser.device!, platform: null, deviceType: null };
    expect(violationsOf(() => validateCreateUser({ ...goodCreateUser, device }))).toEqual([
      { field: "device.platform", description: "must be PLATFORM_IOS or PLATFORM_ANDROID" },
      { field: "device.device_type", description: "must be DEVICE_TYPE_PHONE or DEVICE_TYPE_TABLET" },
    ]);
  });

  it.each([
    ["request_id", LIMITS.requestId, (s: string) => ({ requestId: s })],
    [
      "app.app_version",
      LIMITS.shortText,
      (s: string) => ({ app: { ...goodCreateUser.app!, appVersion: s } }),
    ],
    [
      "app.sdk_version",
      LIMITS.shortText,
      (s: string) => ({ app: { ...goodCreateUser.app!, sdkVersion: s } }),
    ],
    ["device.model", LIMITS.model, (s: string) => ({ device: { ...goodCreateUser.device!, model: s } })],
    [
      "device.os_version",
      LIMITS.shortText,
      (s: string) => ({ device: { ...goodCreateUser.device!, osVersion: s } }),
    ],
  ] as const)("bounds %s at %i bytes and refuses control characters in it", (field, max, patch) => {
    const run = (s: string) => () => validateCreateUser({ ...goodCreateUser, ...patch(s) });
    expect(fieldsOf(run("x".repeat(max)))).toEqual([]);
    expect(violationsOf(run("x".repeat(max + 1)))).toEqual([
      { field, description: `must be at most ${max} bytes` },
    ]);
    expect(violationsOf(run("a\u0000b"))).toEqual([
      { field, description: "must not contain control characters" },
    ]);
    expect(violationsOf(run("a\ufffdb"))).toEqual([{ field, description: "must be valid UTF-8" }]);
  });

  it("reports every bad field of one request together", () => {
    const all: CreateUserInput = {
      authenticationCode: "",
      requestId: "r".repeat(LIMITS.requestId + 1),
      app: { appVersion: "\n", sdkVersion: "v".repeat(65) },
      device: { platform: null, deviceType: null, model: "m".repeat(257), osVersion: "\t" },
    };
    expect(fieldsOf(() => validateCreateUser(all))).toEqual([
      "authentication_code",
      "request_id",
      "app.app_version",
      "app.sdk_version",
      "device.platform",
      "device.device_type",
      "device.model",
      "device.os_version",
    ]);
  });
});

const check = (run: (v: Violations) => void) => violationsOf(() => run(new Violations()));
const runAndThrow = (run: (v: Violations) => void) => (v: Violations) => {
  run(v);
  v.throwIfAny();
};

describe("admin inputs", () => {
  it("bounds sdk_config at 32 KiB as JSON", () => {
    // {"k":"…"} is 8 bytes around the string.
    const sized = (bytes: number): JsonObject => ({ k: "x".repeat(bytes - 8) });
    expect(Buffer.byteLength(JSON.stringify(sized(LIMITS.sdkConfigBytes)))).toBe(LIMITS.sdkConfigBytes);
    expect(check(runAndThrow((v) => checkSdkConfig(v, sized(LIMITS.sdkConfigBytes))))).toEqual([]);
    expect(check(runAndThrow((v) => checkSdkConfig(v, sized(LIMITS.sdkConfigBytes + 1))))).toEqual([
      { field: "sdk_config", description: `must be at most ${LIMITS.sdkConfigBytes} bytes as JSON` },
    ]);
    expect(check(runAndThrow((v) => checkSdkConfig(v, null)))).toEqual([]);
    expect(check(runAndThrow((v) => checkSdkConfig(v, undefined)))).toEqual([]);
  });

  it.each<[string, JsonObject]>([
    ["a string", { theme: "da\u0000rk" }],
    ["a key", { "the\u0000me": "dark" }],
    ["a nested array", { a: [1, { b: ["ok", "no\u0000"] }] }],
    ["a nested key", { a: { b: { "c\u0000": true } } }],
  ])("refuses U+0000 in %s of sdk_config (jsonb cannot hold it)", (_where, config) => {
    expect(check(runAndThrow((v) => checkSdkConfig(v, config)))).toEqual([
      {
        field: "sdk_config",
        description: "must not contain the NUL character (U+0000) in a key or a string",
      },
    ]);
  });

  it("accepts other control characters inside sdk_config values (it is JSON, not an identifier)", () => {
    expect(check(runAndThrow((v) => checkSdkConfig(v, { a: "line\nbreak", b: [null, 1.5, false] })))).toEqual(
      [],
    );
  });

  it(`bounds auth_code_ttl to whole seconds from ${AUTH_CODE_TTL.minSeconds} to ${AUTH_CODE_TTL.maxSeconds}`, () => {
    const ttl = (seconds: number | null) => check(runAndThrow((v) => checkAuthCodeTtl(v, seconds)));
    for (const ok of [null, AUTH_CODE_TTL.minSeconds, 600, AUTH_CODE_TTL.maxSeconds])
      expect(ttl(ok)).toEqual([]);
    for (const bad of [
      0,
      AUTH_CODE_TTL.minSeconds - 1,
      AUTH_CODE_TTL.maxSeconds + 1,
      90.5,
      -60,
      Number.NaN,
    ]) {
      expect(ttl(bad).map((v) => v.field)).toEqual(["auth_code_ttl"]);
    }
  });

  it("requires display_name and bounds it at 256 bytes", () => {
    const name = (value: string) => check(runAndThrow((v) => checkDisplayName(v, value)));
    expect(name("My app")).toEqual([]);
    expect(name("")).toEqual([{ field: "display_name", description: "is required" }]);
    expect(name("n".repeat(LIMITS.name))).toEqual([]);
    expect(name("n".repeat(LIMITS.name + 1))).toEqual([
      { field: "display_name", description: `must be at most ${LIMITS.name} bytes` },
    ]);
  });
});

describe("validateSelector (GetUser, DeleteUser)", () => {
  it("needs one of the two ids", () => {
    expect(violationsOf(() => validateSelector(null))).toEqual([
      { field: "user", description: "set external_user_id or user_id" },
    ]);
  });

  it("takes a user_id only as a UUID userlink issued", () => {
    expect(violationsOf(() => validateSelector({ by: "user_id", value: newId() }))).toEqual([]);
    expect(fieldsOf(() => validateSelector({ by: "user_id", value: "42" }))).toEqual(["user_id"]);
    expect(fieldsOf(() => validateSelector({ by: "user_id", value: "" }))).toEqual(["user_id"]);
  });

  it("takes an external_user_id of 1 to 256 bytes of UTF-8 without control characters", () => {
    const external = (value: string) =>
      violationsOf(() => validateSelector({ by: "external_user_id", value }));
    expect(external("customer-42")).toEqual([]);
    expect(external("é".repeat(128))).toEqual([]);
    expect(external("é".repeat(128) + "x")).toEqual([
      { field: "external_user_id", description: "must be at most 256 bytes" },
    ]);
    expect(external("")).toEqual([{ field: "external_user_id", description: "is required" }]);
    expect(external("a\u0085b")).toEqual([
      { field: "external_user_id", description: "must not contain control characters" },
    ]);
  });
});
