import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import { AppError } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { Store } from "../../src/ports/store.js";
import { describeApiKeysContract } from "./api-keys.contract.js";
import { describeAppsContract } from "./apps.contract.js";
import { describeAuditContract } from "./audit.contract.js";
import { describeCredentialsContract } from "./credentials.contract.js";
import { describeDevicesContract } from "./devices.contract.js";
import { describeStoreReadsContract } from "./store-reads.contract.js";
import { describeStoreTransitionsContract } from "./store-transitions.contract.js";
import { arrivalOf } from "../support/device-rows.js";
import {
  apiKey,
  app,
  credentials,
  device,
  event,
  expectAppError,
  givens,
  rejection,
  user,
} from "./store-fixtures.js";
import { describeUsersContract } from "./users.contract.js";

export interface StoreHarness {
  /** A store on an empty database, already migrated to the latest schema. */
  readonly store: Store;
  /** The database under the store, for rows the ports have no verb for (support/device-rows.ts). */
  readonly db: Kysely<Database>;
  /** Closes the store (again: close() must be safe twice) and removes its database. */
  readonly cleanup: () => Promise<void>;
}

/**
 * What every Store must do (kratos' persistence tests): Postgres and the embedded
 * PGlite run the same expectations through the port, so the embedded default cannot
 * drift from production. One database per suite; every test makes its own app, so
 * tests never see each other's rows (apps.list aside, which is checked for order).
 * Each port's expectations live in its own file (apps.contract.ts, ...); this one
 * opens the store and checks what spans ports: transactions, ping and close.
 */
export function describeStoreContract(name: string, make: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeAll(async () => {
      harness = await make();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    const getDb = () => harness.db;
    const { givenApp, givenUser, givenDevice } = givens(() => store, getDb);

    describeAppsContract(() => store);
    describeApiKeysContract(() => store);
    describeUsersContract(() => store, getDb);
    describeDevicesContract(() => store, getDb);
    describeCredentialsContract(() => store, getDb);
    describeAuditContract(() => store, getDb);

    describeStoreReadsContract(() => store);
    describeStoreTransitionsContract(() => store);

    describe("transactions", () => {
      it("commits what work wrote and returns its value", async () => {
        const made = app();
        const owner = user(made.id);
        const value = await store.transaction(async (tx) => {
          await tx.apps.insert(made);
          await tx.users.findOrCreateForUpdate(owner);
          return "done";
        });
        expect(value).toBe("done");
        expect(await store.repos.apps.findById(made.id)).toEqual(made);
        expect(await store.repos.users.findById(made.id, owner.id)).toEqual(owner);
      });

      it("writes nothing when work throws, and rethrows the very error", async () => {
        const made = app();
        const owner = user(made.id);
        const key = apiKey(made.id);
        const failure = new AppError("USER_DISABLED", "stop here");
        const error = await rejection(
          store.transaction(async (tx) => {
            await tx.apps.insert(made);
            await tx.apiKeys.insert(key);
            await tx.users.findOrCreateForUpdate(owner);
            const arriving = device(owner);
            await tx.devices.applyTransition(arrivalOf(arriving, credentials(arriving.id), [event(owner)]));
            await tx.audit.append([event(owner)]);
            expect(await tx.apps.findById(made.id)).toEqual(made);
            throw failure;
          }),
        );
        expect(error).toBe(failure);
        expect(await store.repos.apps.findById(made.id)).toBeNull();
        expect(await store.repos.apiKeys.findById(key.id)).toBeNull();
        expect(await store.repos.users.findByExternalId(made.id, owner.externalUserId)).toBeNull();
        expect(await store.repos.devices.listByUser(owner.id)).toEqual([]);
        expect(await store.repos.audit.listByUser(made.id, owner.id)).toEqual([]);
      });

      it("rolls back a user delete when work throws", async () => {
        const owner = await givenUser();
        const made = await givenDevice(owner);
        await rejection(
          store.transaction(async (tx) => {
            expect(await tx.users.delete(owner.appId, owner.id)).toBe(true);
            throw new Error("changed my mind");
          }),
        );
        expect(await store.repos.users.findById(owner.appId, owner.id)).toEqual(owner);
        expect(await store.repos.devices.findById(made.id)).toEqual(made);
      });

      it("keeps working after many rolled-back transactions", async () => {
        for (let i = 0; i < 5; i++) {
          await rejection(
            store.transaction(async (tx) => {
              await tx.apps.insert(app());
              throw new Error(`attempt ${i}`);
            }),
          );
        }
        const made = await givenApp();
        expect(await store.transaction((tx) => tx.apps.findById(made.id))).toEqual(made);
      });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    // Last: the suite's store is closed from here on (cleanup closes it once more).
    it("closes, safely twice, and then fails calls as DEPENDENCY_UNAVAILABLE", async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
      await expectAppError(store.ping(), "DEPENDENCY_UNAVAILABLE");
      await expectAppError(store.repos.apps.findById(newId()), "DEPENDENCY_UNAVAILABLE");
      await expectAppError(
        store.transaction((tx) => tx.apps.findById(newId())),
        "DEPENDENCY_UNAVAILABLE",
      );
    });
  });
}
