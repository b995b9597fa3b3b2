import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyPlugin } from "kysely";
import { seedUsers, seededAccessToken, seededExternalId } from "../../bench/lib/database.js";
import { batchingAccessTokenLookups } from "../../src/adapters/postgres/access-token-loader.js";
import { withBatchedLookups } from "../../src/adapters/postgres/batched-lookups-store.js";
import { batchingExternalIdLookups } from "../../src/adapters/postgres/external-id-loader.js";
import { batchingSightings } from "../../src/adapters/postgres/last-seen-batcher.js";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { createPGliteStore } from "../../src/adapters/postgres/pglite-store.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { newId } from "../../src/domain/ids.js";
import { hashSecret } from "../../src/domain/secrets.js";
import type { DeviceRepository } from "../../src/ports/devices.js";
import type { CredentialRepository } from "../../src/ports/store.js";
import type { UserRepository } from "../../src/ports/users.js";
import { createTestDatabase, createTestPGliteDir, type TestDatabase } from "../support/postgres.js";
import { movesOf } from "../support/device-rows.js";
import { describeStoreContract } from "./store.contract.js";

// The whole store contract holds with the lookups batched, on both databases.
describeStoreContract("postgres, batched lookups", async () => {
  const database = await createTestDatabase();
  const store = await createPostgresStore({ url: database.url });
  await store.migrateToLatest();
  return {
    store: withBatchedLookups(store),
    db: store.db,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describeStoreContract("pglite, batched lookups", async () => {
  const dir = await createTestPGliteDir();
  const store = await createPGliteStore({ dataDir: dir.dataDir });
  await store.migrateToLatest();
  return {
    store: withBatchedLookups(store),
    db: store.db,
    cleanup: async () => {
      await store.close();
      await dir.cleanup();
    },
  };
});

describe("lookups of one event-loop turn (postgres)", () => {
  let database: TestDatabase;
  let store: KyselyStore;
  let statements: string[];
  let credentials: CredentialRepository;
  let users: UserRepository;
  let devices: DeviceRepository;
  let appId: string;
  const USERS = 50;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresStore({ url: database.url });
    await store.migrateToLatest();
    appId = newId();
    await store.repos.apps.insert({
      id: appId,
      displayName: "batch",
      sdkConfig: {},
      configVersion: 1,
      authCodeTtlSeconds: 600,
      createdAt: new Date(),
    });
    await seedUsers(database.url, appId, 1, USERS);
    // Every statement the loader sends, as Kysely compiles it.
    const recorder: KyselyPlugin = {
      transformQuery: (args) => {
        statements.push(args.queryId.queryId);
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    };
    credentials = batchingAccessTokenLookups(store.db.withPlugin(recorder), store.repos.credentials);
    users = batchingExternalIdLookups(store.db.withPlugin(recorder), store.repos.users);
    devices = batchingSightings(store.db.withPlugin(recorder), store.repos.devices);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("of access tokens go to Postgres as one statement, each answered with its own device", async () => {
    statements = [];
    const tokens = Array.from({ length: USERS }, (_, i) => seededAccessToken(i + 1));
    const unknown = hashSecret("no such token, no such token, no such toke");
    const found = await Promise.all([
      ...tokens.map((token) => credentials.findByAccessTokenHash(hashSecret(token))),
      credentials.findByAccessTokenHash(unknown),
      // The same token twice in one tick: both get it.
      credentials.findByAccessTokenHash(hashSecret(tokens[0]!)),
    ]);
    expect(statements).toHaveLength(1);
    for (const [i, token] of tokens.entries()) {
      const single = await store.repos.credentials.findByAccessTokenHash(hashSecret(token));
      expect(found[i]).toEqual(single);
      expect(found[i]?.credentials.accessTokenHash).toBe(hashSecret(token));
    }
    expect(found[USERS]).toBeNull();
    expect(found[USERS + 1]).toEqual(found[0]);
  });

  it("of access tokens remember nothing between turns: a device deactivated in between is seen so", async () => {
    const hash = hashSecret(seededAccessToken(7));
    const before = await credentials.findByAccessTokenHash(hash);
    expect(before?.device.state).toBe("ACTIVE");
    await store.repos.devices.applyTransition(
      movesOf([before!.device.id], "DEACTIVATED", "RESET", new Date()),
    );
    statements = [];
    const after = await credentials.findByAccessTokenHash(hash);
    expect(statements).toHaveLength(1);
    expect(after?.device.state).toBe("DEACTIVATED");
  });

  it("of external ids go to Postgres as one statement, each answered with its own user", async () => {
    statements = [];
    const ids = Array.from({ length: USERS }, (_, i) => seededExternalId(i + 1));
    const otherApp = newId();
    const found = await Promise.all([
      ...ids.map((id) => users.findByExternalId(appId, id)),
      users.findByExternalId(appId, "nobody by this id"),
      // The right external id under another app is nobody.
      users.findByExternalId(otherApp, ids[0]!),
      // Ids that differ only in case or by a trailing space are other ids.
      users.findByExternalId(appId, ids[0]!.toUpperCase()),
      users.findByExternalId(appId, `${ids[0]!} `),
      users.findByExternalId(appId, ids[0]!),
    ]);
    expect(statements).toHaveLength(1);
    for (const [i, id] of ids.entries()) {
      expect(found[i]).toEqual(await store.repos.users.findByExternalId(appId, id));
      expect(found[i]?.externalUserId).toBe(id);
    }
    expect(found.slice(USERS, USERS + 4)).toEqual([null, null, null, null]);
    expect(found[USERS + 4]).toEqual(found[0]);
  });

  it("of external ids remember nothing between turns: a user disabled in between is seen so", async () => {
    const before = await users.findByExternalId(appId, seededExternalId(9));
    expect(before?.disabled).toBe(false);
    await store.repos.users.setDisabled(appId, before!.id, true);
    statements = [];
    const after = await users.findByExternalId(appId, seededExternalId(9));
    expect(statements).toHaveLength(1);
    expect(after?.disabled).toBe(true);
  });

  it("of external ids send nothing for an app id that is no id", async () => {
    statements = [];
    expect(await users.findByExternalId("not-an-id", seededExternalId(1))).toBeNull();
    expect(statements).toHaveLength(0);
  });

  it("of sightings go to Postgres as one UPDATE, each device written by its own rule", async () => {
    const lookups = await Promise.all(
      [11, 12, 13].map((n) =>
        store.repos.credentials.findByAccessTokenHash(hashSecret(seededAccessToken(n))),
      ),
    );
    const [a, b, c] = lookups.map((found) => found!.device);
    const seededAt = a!.lastSeenAt!;
    const later = new Date(seededAt.getTime() + 90_000);
    statements = [];
    await Promise.all([
      // Seen longer ago than its notAfter: written.
      devices.touchLastSeen(a!.id, later, new Date(seededAt.getTime() + 1)),
      // Seen since its notAfter: left alone.
      devices.touchLastSeen(b!.id, later, seededAt),
      // Twice in one turn: the later sighting.
      devices.touchLastSeen(c!.id, new Date(later.getTime() - 5), new Date(seededAt.getTime() + 1)),
      devices.touchLastSeen(c!.id, later, new Date(seededAt.getTime() + 1)),
      devices.touchLastSeen("not-an-id", later, later),
    ]);
    expect(statements).toHaveLength(1);
    const seen = async (id: string) => (await store.repos.devices.findById(id))?.lastSeenAt;
    expect(await seen(a!.id)).toEqual(later);
    expect(await seen(b!.id)).toEqual(seededAt);
    expect(await seen(c!.id)).toEqual(later);
  });
});
