import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
import { BadRequest, ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { expect } from "vitest";
import type { CreateUserRequest } from "../../src/gen/userlink/v1/device_service.js";
import { ApiKeyScope, DeviceType, Platform } from "../../src/gen/userlink/v1/types.js";
import type { TestInstance } from "./userlink-server.js";

export const ALL_SCOPES = [
  ApiKeyScope.API_KEY_SCOPE_USER_LINK,
  ApiKeyScope.API_KEY_SCOPE_USER_READ,
  ApiKeyScope.API_KEY_SCOPE_USER_DELETE,
];

/** A new app with one key holding `scopes` (all of them by default). */
export async function createAppWithKey(
  instance: TestInstance,
  scopes: ApiKeyScope[] = ALL_SCOPES,
  sdkConfig: Record<string, unknown> = { theme: "dark", features: { chat: true } },
): Promise<{ appId: string; apiKey: string; keyId: string }> {
  const { app } = await instance.admin.createApp({ displayName: "Test app", sdkConfig });
  const created = await instance.admin.createApiKey({ appId: app!.appId, name: "backend", scopes });
  return { appId: app!.appId, apiKey: created.apiKey, keyId: created.key!.keyId };
}

export function phone(
  overrides: Partial<CreateUserRequest> = {},
): Omit<CreateUserRequest, "authenticationCode"> {
  return deviceRequest(DeviceType.DEVICE_TYPE_PHONE, overrides);
}

export function tablet(
  overrides: Partial<CreateUserRequest> = {},
): Omit<CreateUserRequest, "authenticationCode"> {
  return deviceRequest(DeviceType.DEVICE_TYPE_TABLET, overrides);
}

function deviceRequest(deviceType: DeviceType, overrides: Partial<CreateUserRequest>) {
  return {
    requestId: randomUUID(),
    app: { appVersion: "1.2.3", sdkVersion: "4.5.6" },
    device: { platform: Platform.PLATFORM_IOS, deviceType, model: "iPhone15,2", osVersion: "17.1" },
    ...overrides,
  };
}

/** Requests a code for `externalUserId` and redeems it on a new device of `kind`. */
export async function linkDevice(
  instance: TestInstance,
  apiKey: string,
  externalUserId: string,
  kind: "phone" | "tablet" = "phone",
) {
  const { authenticationCode } = await instance.link(apiKey).requestAuthCode({ externalUserId });
  const request = kind === "phone" ? phone() : tablet();
  return instance.device().createUser({ ...request, authenticationCode });
}

export interface ExpectedError {
  code: Status;
  reason: string;
  /** Field paths that must be in the BadRequest, in any order. */
  fields?: string[];
  metadata?: Record<string, string>;
}

/** Awaits a call that must fail, and checks its status, ErrorInfo and BadRequest. */
export async function expectGrpcError(
  call: Promise<unknown>,
  expected: ExpectedError,
): Promise<RichClientError> {
  const error = await call.then(
    () => {
      throw new Error(`expected ${Status[expected.code]} / ${expected.reason}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RichClientError);
  const rich = error as RichClientError;
  const info = rich.extra.find((d): d is ErrorInfo => d.$type === ErrorInfo.$type);
  expect({ code: Status[rich.code], reason: info?.reason, domain: info?.domain }).toEqual({
    code: Status[expected.code],
    reason: expected.reason,
    domain: "userlink.v1",
  });
  if (expected.fields !== undefined) {
    const badRequest = rich.extra.find((d): d is BadRequest => d.$type === BadRequest.$type);
    const fields = badRequest?.fieldViolations.map((v) => v.field) ?? [];
    expect([...new Set(fields)].sort()).toEqual([...expected.fields].sort());
  }
  if (expected.metadata !== undefined) expect(info?.metadata).toMatchObject(expected.metadata);
  return rich;
}
