import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { createPGliteStore } from "../../src/adapters/postgres/pglite-store.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { AppError } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { App, Device, DeviceCredentials, User } from "../../src/domain/model.js";
import type { AuditEvent, Repositories } from "../../src/ports/store.js";
import { createTestDatabase, createTestPGliteDir, type TestDatabase } from "../support/postgres.js";
import { arrivalOf } from "../support/device-rows.js";
import { describeStoreContract } from "./store.contract.js";

describeStoreContract("postgres", async () => {
  const database = await createTestDatabase();
  const store = await createPostgresStore({ url: database.url });
  await store.migrateToLatest();
  return {
    store,
    db: store.db,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describeStoreContract("pglite", async () => {
  const dir = await createTestPGliteDir();
  const store = await createPGliteStore({ dataDir: dir.dataDir });
  await store.migrateToLatest();
  return {
    store,
    db: store.db,
    cleanup: async () => {
      await store.close();
      await dir.cleanup();
    },
  };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const t0 = new Date("2026-03-01T10:00:00.000Z");

/** Races the pool can run truly in parallel, which PGlite's one connection cannot. */
describe("Store on Postgres: concurrency", () => {
  let database: TestDatabase;
  let store: KyselyStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresStore({ url: database.url, statementTimeoutMs: 2_000 });
    await store.migrateToLatest();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  async function givenApp(): Promise<App> {
    const app: App = {
      id: newId(),
      displayName: "race",
      sdkConfig: {},
      configVersion: 1,
      authCodeTtlSeconds: 600,
      createdAt: t0,
    };
    await store.repos.apps.insert(app);
    return app;
  }

  function user(appId: string, externalUserId: string): User {
    return { id: newId(), appId, externalUserId, disabled: false, createdAt: t0 };
  }

  function phone(owner: User): Device {
    return {
      id: newId(),
      userId: owner.id,
      appId: owner.appId,
      platform: "ANDROID",
      deviceType: "PHONE",
      state: "ACTIVE",
      stateReason: "NEW_DEVICE",
      model: "Pixel 8",
      osVersion: "14",
      appVersion: "1",
      sdkVersion: "1",
      registrationCodeHash: randomBytes(32).toString("hex"),
      createdAt: t0,
      stateChangedAt: t0,
      lastSeenAt: null,
    };
  }

  function credentialsOf(device: Device): DeviceCredentials {
    return {
      deviceId: device.id,
      accessTokenHash: randomBytes(32).toString("hex"),
      accessTokenExpiresAt: new Date(t0.getTime() + 3600_000),
      refreshTokenHash: randomBytes(32).toString("hex"),
      issuedAt: t0,
    };
  }

  function arrivedEvent(device: Device): AuditEvent {
    return {
      appId: device.appId,
      userId: device.userId,
      deviceId: device.id,
      kind: "device.state_changed",
      state: device.state,
      reason: device.stateReason,
      details: {},
      occurredAt: t0,
      actor: { kind: "SYSTEM", id: "" },
    };
  }

  it("creates one user of 20 racing transactions for one new external id", async () => {
    const { id: appId } = await givenApp();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const result = await tx.users.findOrCreateForUpdate(user(appId, "one-of-many"));
          await sleep(10);
          return result;
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
    expect(await store.repos.users.list(appId, { limit: 100, afterId: null })).toHaveLength(1);
  });

  /**
   * Runs two transactions that each take `lock` and hold it 100 ms, the second started
   * once the first holds it; returns the order of events.
   */
  async function lockOrder(lock: (tx: Repositories) => Promise<unknown>): Promise<string[]> {
    const order: string[] = [];
    const hold = (label: string, onLocked = () => {}) =>
      store.transaction(async (tx) => {
        await lock(tx);
        order.push(`${label} locked`);
        onLocked();
        await sleep(100);
        order.push(`${label} done`);
      });
    let first!: Promise<void>;
    await new Promise<void>((resolve, reject) => {
      first = hold("a", resolve);
      first.catch(reject);
    });
    await Promise.all([first, hold("b")]);
    return order;
  }

  it("queues restorations of one user on its row lock", async () => {
    const { id: appId } = await givenApp();
    const order = await lockOrder((tx) => tx.users.findOrCreateForUpdate(user(appId, "queued")));
    expect(order).toEqual(["a locked", "a done", "b locked", "b done"]);
  });

  it("lets one of two racing ACTIVE registrations win; the other gets CONFLICT", async () => {
    const { id: appId } = await givenApp();
    const { user: owner } = await store.repos.users.findOrCreateForUpdate(user(appId, "two-phones"));
    const results = await Promise.allSettled(
      [phone(owner), phone(owner)].map((device) =>
        store.transaction(async (tx) => {
          await tx.devices.applyTransition(arrivalOf(device, credentialsOf(device), [arrivedEvent(device)]));
          await sleep(50);
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [failure] = results.filter((r) => r.status === "rejected");
    expect(failure?.reason).toBeInstanceOf(AppError);
    expect((failure?.reason as AppError).code).toBe("CONFLICT");
    expect(await store.repos.devices.listLiveByUser(owner.id)).toHaveLength(1);
  });

  it("reports the loser of a deadlock as CONFLICT, leaving the winner to commit", async () => {
    const { id: appId } = await givenApp();
    const a = (await store.repos.users.findOrCreateForUpdate(user(appId, "a"))).user;
    const b = (await store.repos.users.findOrCreateForUpdate(user(appId, "b"))).user;
    const lockBoth = (first: User, second: User) =>
      store.transaction(async (tx) => {
        await tx.users.findByIdForUpdate(appId, first.id);
        await sleep(50);
        await tx.users.setDisabled(appId, second.id, true);
      });
    // Postgres finds the cycle after deadlock_timeout (1 s by default).
    const results = await Promise.allSettled([lockBoth(a, b), lockBoth(b, a)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [failure] = results.filter((r) => r.status === "rejected");
    expect(failure?.reason).toBeInstanceOf(AppError);
    expect((failure?.reason as AppError).code).toBe("CONFLICT");
    const disabled = await Promise.all(
      [a, b].map(async (u) => (await store.repos.users.findById(appId, u.id))?.disabled),
    );
    expect(disabled.filter(Boolean)).toHaveLength(1);
  });

  it("serializes key creation per app with lockApp", async () => {
    const { id: appId } = await givenApp();
    const order = await lockOrder(async (tx) => expect(await tx.apiKeys.lockApp(appId)).toBe(true));
    expect(order).toEqual(["a locked", "a done", "b locked", "b done"]);
  });

  it("migrates concurrently from several instances without harm", async () => {
    const other = await createPostgresStore({ url: database.url });
    try {
      await Promise.all([store.migrateToLatest(), other.migrateToLatest(), other.migrateToLatest()]);
      await expect(other.ping()).resolves.toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe("Store on a dead Postgres", () => {
  let store: KyselyStore;

  beforeAll(async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    store = await createPostgresStore({ url: "postgres://postgres@127.0.0.1:1/x", connectionTimeoutMs: 200 });
  });
  afterAll(async () => {
    await store.close();
  });

  it("fails fast with DEPENDENCY_UNAVAILABLE", async () => {
    const started = Date.now();
    const calls = [
      store.ping(),
      store.repos.apps.findById(newId()),
      store.repos.users.findOrCreateForUpdate(user()),
      store.transaction((tx) => tx.apps.findById(newId())),
    ];
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("DEPENDENCY_UNAVAILABLE");
    }
    expect(Date.now() - started).toBeLessThan(1_000);

    function user(): User {
      return { id: newId(), appId: newId(), externalUserId: "x", disabled: false, createdAt: t0 };
    }
  });
});
