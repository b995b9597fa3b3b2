import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyPlugin } from "kysely";
import { seedUsers, seededAccessToken } from "../../bench/lib/database.js";
import {
  batchingAccessTokenLookups,
  withBatchedAccessTokenLookups,
} from "../../src/adapters/postgres/access-token-loader.js";
import type { KyselyStore } from "../../src/adapters/postgres/kysely-store.js";
import { createPGliteStore } from "../../src/adapters/postgres/pglite-store.js";
import { createPostgresStore } from "../../src/adapters/postgres/postgres-store.js";
import { newId } from "../../src/domain/ids.js";
import { hashSecret } from "../../src/domain/secrets.js";
import type { CredentialRepository } from "../../src/ports/store.js";
import { createTestDatabase, createTestPGliteDir, type TestDatabase } from "../support/postgres.js";
import { movesOf } from "../support/device-rows.js";
import { describeStoreContract } from "./store.contract.js";

// The whole store contract holds with the lookups batched, on both databases.
describeStoreContract("postgres, batched access-token lookups", async () => {
  const database = await createTestDatabase();
  const store = await createPostgresStore({ url: database.url });
  await store.migrateToLatest();
  return {
    store: withBatchedAccessTokenLookups(store),
    db: store.db,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describeStoreContract("pglite, batched access-token lookups", async () => {
  const dir = await createTestPGliteDir();
  const store = await createPGliteStore({ dataDir: dir.dataDir });
  await store.migrateToLatest();
  return {
    store: withBatchedAccessTokenLookups(store),
    db: store.db,
    cleanup: async () => {
      await store.close();
      await dir.cleanup();
    },
  };
});

describe("access-token lookups of one tick (postgres)", () => {
  let database: TestDatabase;
  let store: KyselyStore;
  let statements: string[];
  let credentials: CredentialRepository;
  const USERS = 50;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresStore({ url: database.url });
    await store.migrateToLatest();
    const appId = newId();
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
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("go to Postgres as one statement, each answered with its own device", async () => {
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

  it("remember nothing between ticks: a device deactivated in between is seen so", async () => {
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
});
