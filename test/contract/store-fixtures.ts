import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import { AppError, type ErrorCode } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { ApiKey, App, Device, DeviceCredentials, User } from "../../src/domain/model.js";
import type { AuditEvent, Store } from "../../src/ports/store.js";
import { insertDevice } from "../support/device-rows.js";

/**
 * What the per-port contract suites (apps, api-keys, users, devices, credentials,
 * audit) share: row builders and "given" helpers over the suite's store. The store is
 * read through `getStore` at call time, because describeStoreContract opens it in
 * beforeAll, after the suites are declared.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const newHash = () => randomBytes(32).toString("hex");
export const at = (iso: string) => new Date(iso);
export const plusMs = (date: Date, ms: number) => new Date(date.getTime() + ms);
export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
export const t0 = at("2026-03-01T10:00:00.000Z");

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

/** The device of a retired refresh token, or null; see findRetiredRefreshToken. */
export async function retiredDevice(store: Store, hash: string): Promise<Device | null> {
  return (await store.repos.credentials.findRetiredRefreshToken(hash))?.device ?? null;
}

export function app(overrides: Partial<App> = {}): App {
  return {
    id: newId(),
    displayName: "Acme Fitness",
    sdkConfig: { theme: { color: "#ff0000" }, features: ["a", "b"], retries: 3, beta: false, x: null },
    configVersion: 1,
    authCodeTtlSeconds: 600,
    createdAt: t0,
    ...overrides,
  };
}

export function user(appId: string, overrides: Partial<User> = {}): User {
  return {
    id: newId(),
    appId,
    externalUserId: `ext-${randomBytes(4).toString("hex")}`,
    disabled: false,
    createdAt: t0,
    ...overrides,
  };
}

export function device(owner: User, overrides: Partial<Device> = {}): Device {
  return {
    id: newId(),
    userId: owner.id,
    appId: owner.appId,
    platform: "IOS",
    deviceType: "PHONE",
    state: "ACTIVE",
    stateReason: "NEW_DEVICE",
    model: "iPhone15,2",
    osVersion: "17.4",
    appVersion: "3.1.0",
    sdkVersion: "1.0.0",
    registrationCodeHash: newHash(),
    createdAt: t0,
    stateChangedAt: t0,
    lastSeenAt: null,
    ...overrides,
  };
}

export function credentials(deviceId: string, issuedAt = t0): DeviceCredentials {
  return {
    deviceId,
    accessTokenHash: newHash(),
    accessTokenExpiresAt: plusMs(issuedAt, 7 * 24 * 3600_000),
    refreshTokenHash: newHash(),
    issuedAt,
  };
}

export function apiKey(appId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: newId(),
    appId,
    name: "backend",
    scopes: ["USER_LINK", "USER_READ"],
    secretHash: newHash(),
    createdAt: t0,
    expiresAt: at("2027-03-01T10:00:00.000Z"),
    revokedAt: null,
    lastUsedAt: null,
    replacedByKeyId: null,
    ...overrides,
  };
}

export function event(owner: User, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    appId: owner.appId,
    userId: owner.id,
    deviceId: null,
    kind: "user.created",
    state: null,
    reason: null,
    details: {},
    occurredAt: t0,
    actor: { kind: "SYSTEM", id: "" },
    ...overrides,
  };
}

/** Helpers that write rows through the store the suite opened (devices with SQL). */
export function givens(getStore: () => Store, getDb?: () => Kysely<Database>) {
  async function givenApp(overrides: Partial<App> = {}): Promise<App> {
    const made = app(overrides);
    await getStore().repos.apps.insert(made);
    return made;
  }

  async function givenUser(appId?: string, overrides: Partial<User> = {}): Promise<User> {
    const owner = user(appId ?? (await givenApp()).id, overrides);
    const { user: stored } = await getStore().repos.users.findOrCreateForUpdate(owner);
    return stored;
  }

  async function givenDevice(owner: User, overrides: Partial<Device> = {}): Promise<Device> {
    if (getDb === undefined) throw new Error("givenDevice writes with SQL: pass givens a getDb");
    const made = device(owner, overrides);
    await insertDevice(getDb(), made);
    return made;
  }

  return { givenApp, givenUser, givenDevice };
}
