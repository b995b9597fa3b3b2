import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { createPGliteStore } from "../../src/adapters/postgres/pglite-store.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { newId } from "../../src/domain/ids.js";
import type { ApiKey, App, Device, DeviceState, StateReason, User } from "../../src/domain/model.js";
import type { AuditEvent } from "../../src/ports/store.js";
import { Janitor, type RetentionPolicy } from "../../src/services/janitor.service.js";
import { insertDevice } from "../support/device-rows.js";
import { createTestDatabase, createTestPGliteDir } from "../support/postgres.js";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T00:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const hash = () => randomBytes(32).toString("hex");
const silent = { info() {}, warn() {}, error() {} };
const POLICY: RetentionPolicy = { auditEventsMs: 90 * DAY, departedDevicesMs: 30 * DAY, apiKeysMs: 30 * DAY };

interface Harness {
  readonly store: KyselyStore;
  /** A second store on the same database, or null where there can be none (PGlite). */
  readonly other: KyselyStore | null;
  cleanup(): Promise<void>;
}

const HARNESSES: Record<string, () => Promise<Harness>> = {
  postgres: async () => {
    const database = await createTestDatabase();
    const store = await createPostgresStore({ url: database.url });
    await store.migrateToLatest();
    const other = await createPostgresStore({ url: database.url });
    return {
      store,
      other,
      cleanup: async () => {
        await Promise.all([store.close(), other.close()]);
        await database.drop();
      },
    };
  },
  pglite: async () => {
    const dir = await createTestPGliteDir();
    const store = await createPGliteStore({ dataDir: dir.dataDir });
    await store.migrateToLatest();
    return {
      store,
      other: null,
      cleanup: async () => {
        await store.close();
        await dir.cleanup();
      },
    };
  },
};

for (const [name, make] of Object.entries(HARNESSES)) {
  describe(`retention and the janitor: ${name}`, () => {
    let harness: Harness;
    let store: KyselyStore;
    beforeAll(async () => {
      harness = await make();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    const janitor = (s: KyselyStore, batchSize = 2) =>
      new Janitor({ retention: s.retention, clock: { now: () => NOW }, log: silent }, POLICY, batchSize);

    async function givenUser(): Promise<User> {
      const app: App = {
        id: newId(),
        displayName: "retention",
        sdkConfig: {},
        configVersion: 1,
        authCodeTtlSeconds: 600,
        createdAt: ago(400 * DAY),
      };
      await store.repos.apps.insert(app);
      const user: User = {
        id: newId(),
        appId: app.id,
        externalUserId: newId(),
        disabled: false,
        createdAt: app.createdAt,
      };
      await store.transaction((tx) => tx.users.findOrCreateForUpdate(user));
      return user;
    }

    async function givenDevice(owner: User, state: DeviceState, reason: StateReason, leftAt: Date) {
      const device: Device = {
        id: newId(),
        userId: owner.id,
        appId: owner.appId,
        platform: "IOS",
        deviceType: "PHONE",
        state,
        stateReason: reason,
        model: "",
        osVersion: "",
        appVersion: "",
        sdkVersion: "",
        registrationCodeHash: hash(),
        createdAt: ago(400 * DAY),
        stateChangedAt: leftAt,
        lastSeenAt: null,
      };
      await insertDevice(store.db, device);
      const first = {
        deviceId: device.id,
        accessTokenHash: hash(),
        accessTokenExpiresAt: NOW,
        refreshTokenHash: hash(),
        issuedAt: leftAt,
      };
      await store.repos.credentials.put(first);
      const next = { ...first, accessTokenHash: hash(), refreshTokenHash: hash() };
      await store.repos.credentials.rotate(first.refreshTokenHash, next, {
        familyHash: hash(),
        requestId: null,
      });
      return device;
    }

    function event(owner: User, occurredAt: Date, deviceId: string | null = null): AuditEvent {
      const kind = "user.restored" as const;
      return {
        appId: owner.appId,
        userId: owner.id,
        deviceId,
        kind,
        state: null,
        reason: null,
        details: {},
        occurredAt,
        actor: { kind: "DEVICE", id: deviceId ?? "" },
      };
    }

    function key(appId: string, overrides: Partial<ApiKey>): ApiKey {
      return {
        id: newId(),
        appId,
        name: "k",
        scopes: ["USER_LINK"],
        secretHash: hash(),
        createdAt: ago(400 * DAY),
        expiresAt: new Date(NOW.getTime() + 365 * DAY),
        revokedAt: null,
        lastUsedAt: null,
        replacedByKeyId: null,
        ...overrides,
      };
    }

    const ids = async (table: "devices" | "api_keys") =>
      (await store.db.selectFrom(table).select("id").execute()).map((r) => r.id).sort();

    it("removes exactly what is past retention, in batches, and nothing else", async () => {
      const owner = await givenUser();
      // Devices: gone once DEACTIVATED or RESET for longer than 30 days.
      const live = await givenDevice(owner, "ACTIVE", "NEW_DEVICE", ago(200 * DAY));
      const waiting = await givenDevice(owner, "INACTIVE", "PHONE_PREFERRED", ago(200 * DAY));
      const departed = [
        await givenDevice(owner, "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE", ago(31 * DAY)),
        await givenDevice(owner, "RESET", "RESET", ago(30 * DAY + 1)),
        await givenDevice(owner, "DEACTIVATED", "CREDENTIALS_REUSED", ago(300 * DAY)),
      ];
      const recent = [
        await givenDevice(owner, "DEACTIVATED", "USER_DISABLED", ago(30 * DAY)),
        await givenDevice(owner, "RESET", "RESET", ago(29 * DAY)),
      ];
      // A token rotated before token families: goes with its device.
      await store.db
        .insertInto("retired_refresh_tokens")
        .values([
          { refresh_token_hash: hash(), device_id: departed[0]!.id, retired_at: ago(40 * DAY) },
          { refresh_token_hash: hash(), device_id: live.id, retired_at: ago(40 * DAY) },
        ])
        .execute();
      // Audit events: gone once older than 90 days, whatever they name.
      const old = [ago(365 * DAY), ago(100 * DAY), ago(91 * DAY), ago(90 * DAY + 1), ago(95 * DAY)];
      const kept = [ago(90 * DAY), ago(89 * DAY), ago(DAY), NOW];
      await store.repos.audit.append([
        ...old.map((at) => event(owner, at)),
        ...kept.map((at) => event(owner, at, departed[0]!.id)),
      ]);
      // Keys: gone once revoked or expired for longer than 30 days.
      const active = key(owner.appId, {});
      const keys = {
        gone: [
          key(owner.appId, { revokedAt: ago(31 * DAY) }),
          key(owner.appId, { expiresAt: ago(45 * DAY) }),
          key(owner.appId, { expiresAt: ago(60 * DAY), revokedAt: ago(DAY) }),
        ],
        kept: [
          active,
          key(owner.appId, { revokedAt: ago(29 * DAY) }),
          key(owner.appId, { expiresAt: ago(30 * DAY) }),
          key(owner.appId, { expiresAt: ago(DAY) }),
          key(owner.appId, { expiresAt: new Date(NOW.getTime() + DAY), replacedByKeyId: active.id }),
        ],
      };
      for (const k of [...keys.gone, ...keys.kept]) await store.repos.apiKeys.insert(k);
      const activeBefore = await store.repos.apiKeys.countActive(owner.appId, NOW);

      const pass = await janitor(store).runOnce();

      expect(pass).toMatchObject({
        ran: true,
        removed: {
          audit_events: old.length,
          devices: departed.length,
          device_credentials: departed.length,
          refresh_token_families: departed.length,
          retired_refresh_tokens: 1,
          api_keys: keys.gone.length,
        },
      });
      expect(pass.durationMs).toBeGreaterThan(0);
      expect(await ids("devices")).toEqual([live, waiting, ...recent].map((d) => d.id).sort());
      const families = await store.db.selectFrom("refresh_token_families").select("device_id").execute();
      expect(families.map((f) => f.device_id).sort()).toEqual(
        [live, waiting, ...recent].map((d) => d.id).sort(),
      );
      expect(await store.db.selectFrom("retired_refresh_tokens").select("device_id").execute()).toEqual([
        { device_id: live.id },
      ]);
      // The events naming a removed device stay: only age removes audit events.
      expect((await store.repos.audit.listByUser(owner.appId, owner.id)).map((e) => e.occurredAt)).toEqual(
        kept,
      );
      expect(await ids("api_keys")).toEqual(keys.kept.map((k) => k.id).sort());
      expect(await store.repos.apiKeys.countActive(owner.appId, NOW)).toBe(activeBefore);

      // A second pass finds nothing left to do.
      expect((await janitor(store).runOnce()).removed).toEqual({
        audit_events: 0,
        devices: 0,
        device_credentials: 0,
        refresh_token_families: 0,
        retired_refresh_tokens: 0,
        api_keys: 0,
      });
    });

    it("removes the oldest audit events first when a batch cannot take them all", async () => {
      const owner = await givenUser();
      const times = [ago(200 * DAY), ago(300 * DAY), ago(100 * DAY), ago(400 * DAY)];
      await store.repos.audit.append(times.map((at) => event(owner, at)));
      // Only one is older than this cutoff: a batch of 2 takes that one and no other.
      const removed = await store.retention.removeAuditEvents(ago(350 * DAY), 2);
      expect(removed).toEqual({ audit_events: 1 });
      expect((await store.repos.audit.listByUser(owner.appId, owner.id)).map((e) => e.occurredAt)).toEqual([
        ago(300 * DAY),
        ago(200 * DAY),
        ago(100 * DAY),
      ]);
      await store.retention.removeAuditEvents(ago(90 * DAY), 1);
      expect((await store.repos.audit.listByUser(owner.appId, owner.id)).map((e) => e.occurredAt)).toEqual([
        ago(200 * DAY),
        ago(100 * DAY),
      ]);
    });

    it("runs one pass at a time: a second one meanwhile is skipped, and the lock is freed after a failure", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const holding = store.retention.exclusively(() => gate.then(() => "first"));
      // The same store (PGlite: the same session), and another store on the same database.
      expect(await store.retention.exclusively(async () => "second")).toBeNull();
      expect((await janitor(store).runOnce()).ran).toBe(false);
      if (harness.other !== null) {
        expect(await harness.other.retention.exclusively(async () => "elsewhere")).toBeNull();
        expect((await janitor(harness.other).runOnce()).ran).toBe(false);
      }
      release();
      expect(await holding).toEqual({ value: "first" });

      const boom = new Error("boom");
      await expect(store.retention.exclusively(() => Promise.reject(boom))).rejects.toBe(boom);
      expect(await store.retention.exclusively(async () => "again")).toEqual({ value: "again" });
      if (harness.other !== null) {
        expect(await harness.other.retention.exclusively(async () => "there")).toEqual({ value: "there" });
      }
    });
  });
}
