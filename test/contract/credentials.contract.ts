import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import type { Store } from "../../src/ports/store.js";
import { credentials, givens, newHash, plusMs, rejection, retiredDevice, t0 } from "./store-fixtures.js";

/**
 * What every CredentialRepository (src/ports/credentials.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeCredentialsContract(getStore: () => Store, getDb: () => Kysely<Database>): void {
  describe("credentials", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenUser, givenDevice } = givens(getStore, getDb);

    async function givenCredentials() {
      const owner = await givenUser();
      const made = await givenDevice(owner);
      const current = credentials(made.id);
      await store.repos.credentials.put(current);
      return { owner, device: made, current };
    }

    it("resolves an access token to its credentials and device", async () => {
      const { device: made, current } = await givenCredentials();
      expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toEqual({
        credentials: current,
        device: made,
        app: await store.repos.apps.findById(made.appId),
      });
      expect(await store.repos.credentials.findByAccessTokenHash(current.refreshTokenHash)).toBeNull();
      expect(await store.repos.credentials.findByAccessTokenHash(newHash())).toBeNull();
    });

    it("keeps one set per device: put replaces the previous one", async () => {
      const { device: made, current } = await givenCredentials();
      const replacement = credentials(made.id, plusMs(t0, 1_000));
      await store.repos.credentials.put(replacement);
      expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toBeNull();
      expect(await store.repos.credentials.rotate(current.refreshTokenHash, credentials(made.id))).toBeNull();
      expect(await store.repos.credentials.findByAccessTokenHash(replacement.accessTokenHash)).toEqual({
        credentials: replacement,
        device: made,
        app: await store.repos.apps.findById(made.appId),
      });
    });

    it("rotates once, remembering the old refresh token as retired", async () => {
      const { device: made, current } = await givenCredentials();
      const next = credentials(made.id, plusMs(t0, 60_000));
      expect(await store.repos.credentials.rotate(current.refreshTokenHash, next)).toEqual(made);

      expect(await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash)).toBeNull();
      expect(await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash)).toEqual({
        credentials: next,
        device: made,
        app: await store.repos.apps.findById(made.appId),
      });
      expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
      expect(await retiredDevice(store, next.refreshTokenHash)).toBeNull();
      expect(await retiredDevice(store, newHash())).toBeNull();
      expect(
        (await store.repos.credentials.findRetiredRefreshToken(current.refreshTokenHash))?.retiredAt,
      ).toEqual(next.issuedAt);
      // The spent token rotates nothing, and nothing is written for it.
      const replay = credentials(made.id, plusMs(t0, 120_000));
      expect(await store.repos.credentials.rotate(current.refreshTokenHash, replay)).toBeNull();
      expect(await store.repos.credentials.findByAccessTokenHash(replay.accessTokenHash)).toBeNull();
      expect(await store.repos.credentials.rotate(newHash(), replay)).toBeNull();
    });

    it("rotates inside a transaction and rolls back with it", async () => {
      const { device: made, current } = await givenCredentials();
      const next = credentials(made.id, plusMs(t0, 60_000));
      const boom = new Error("boom");
      const error = await rejection(
        store.transaction(async (tx) => {
          expect(await tx.credentials.rotate(current.refreshTokenHash, next)).toEqual(made);
          throw boom;
        }),
      );
      expect(error).toBe(boom);
      expect(
        (await store.repos.credentials.findByAccessTokenHash(current.accessTokenHash))?.credentials,
      ).toEqual(current);
      expect(await retiredDevice(store, current.refreshTokenHash)).toBeNull();
      expect(await store.transaction((tx) => tx.credentials.rotate(current.refreshTokenHash, next))).toEqual(
        made,
      );
      expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
    });

    it("lets exactly one of concurrent rotations with one token win", async () => {
      const { device: made, current } = await givenCredentials();
      const nexts = Array.from({ length: 8 }, () => credentials(made.id, plusMs(t0, 60_000)));
      const results = await Promise.all(
        nexts.map((next) => store.repos.credentials.rotate(current.refreshTokenHash, next)),
      );
      expect(results.filter((r) => r !== null)).toEqual([made]);
      const winner = nexts[results.findIndex((r) => r !== null)]!;
      for (const next of nexts) {
        const found = await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash);
        expect(found?.credentials ?? null).toEqual(next === winner ? winner : null);
      }
    });

    it("keeps one family row per device however often it rotates, and the previous token only", async () => {
      const { device: made, current } = await givenCredentials();
      const familyHash = newHash();
      const chain = [current];
      for (let i = 1; i <= 5; i++) {
        const next = credentials(made.id, plusMs(t0, i * 1_000));
        const rotation = { familyHash, requestId: `r${i}` };
        expect(await store.repos.credentials.rotate(chain.at(-1)!.refreshTokenHash, next, rotation)).toEqual(
          made,
        );
        chain.push(next);
      }
      expect(await store.repos.credentials.findRefreshFamily(familyHash)).toEqual({
        device: made,
        generation: 5,
      });
      expect(await store.repos.credentials.findRefreshFamily(newHash())).toBeNull();
      expect(await store.repos.credentials.findRetiredRefreshToken(chain[4]!.refreshTokenHash)).toEqual({
        device: made,
        retiredAt: chain[5]!.issuedAt,
        requestId: "r5",
      });
      // Older tokens are the family's business, not a row each.
      for (const old of chain.slice(0, 4)) {
        expect(await retiredDevice(store, old.refreshTokenHash)).toBeNull();
      }
    });

    it("retries the last rotation only for its token and request_id, inside the window", async () => {
      const { device: made, current } = await givenCredentials();
      const rotatedAt = plusMs(t0, 10_000);
      const lost = credentials(made.id, rotatedAt);
      await store.repos.credentials.rotate(current.refreshTokenHash, lost, {
        familyHash: newHash(),
        requestId: "r1",
      });
      const fresh = credentials(made.id, plusMs(t0, 20_000));
      const retry = (hash: string, id: string, notBefore: Date) =>
        store.repos.credentials.retryRotation(hash, id, notBefore, fresh);
      expect(await retry(current.refreshTokenHash, "r2", t0)).toBeNull();
      expect(await retry(current.refreshTokenHash, "r1", plusMs(rotatedAt, 1))).toBeNull();
      expect(await retry(lost.refreshTokenHash, "r1", t0)).toBeNull();
      expect(await retry(newHash(), "r1", t0)).toBeNull();
      // Nothing was written by the refusals: the lost answer's credentials still hold.
      expect(
        (await store.repos.credentials.findByAccessTokenHash(lost.accessTokenHash))?.credentials,
      ).toEqual(lost);

      expect(await retry(current.refreshTokenHash, "r1", rotatedAt)).toEqual(made);
      expect(await store.repos.credentials.findByAccessTokenHash(lost.accessTokenHash)).toBeNull();
      expect(
        (await store.repos.credentials.findByAccessTokenHash(fresh.accessTokenHash))?.credentials,
      ).toEqual(fresh);
      // The window still counts from the first answer.
      expect(await store.repos.credentials.findRetiredRefreshToken(current.refreshTokenHash)).toEqual({
        device: made,
        retiredAt: rotatedAt,
        requestId: "r1",
      });
      expect(await store.repos.credentials.rotate(fresh.refreshTokenHash, credentials(made.id))).toEqual(
        made,
      );
      expect(await retry(current.refreshTokenHash, "r1", t0)).toBeNull();
    });

    it("starts a new family on put: the replaced family no longer names the device", async () => {
      const { device: made, current } = await givenCredentials();
      const familyHash = newHash();
      const next = credentials(made.id, plusMs(t0, 1_000));
      await store.repos.credentials.rotate(current.refreshTokenHash, next, { familyHash, requestId: null });
      await store.repos.credentials.put(credentials(made.id, plusMs(t0, 2_000)));
      expect(await store.repos.credentials.findRefreshFamily(familyHash)).toBeNull();
      expect(await retiredDevice(store, current.refreshTokenHash)).toBeNull();
    });

    it("revokes a device's credentials but still recognises its retired tokens", async () => {
      const { device: made, current } = await givenCredentials();
      const next = credentials(made.id, plusMs(t0, 60_000));
      await store.repos.credentials.rotate(current.refreshTokenHash, next);
      await store.repos.credentials.revoke(made.id);
      expect(await store.repos.credentials.findByAccessTokenHash(next.accessTokenHash)).toBeNull();
      expect(await store.repos.credentials.rotate(next.refreshTokenHash, credentials(made.id))).toBeNull();
      expect(await retiredDevice(store, current.refreshTokenHash)).toEqual(made);
      await expect(store.repos.credentials.revoke(made.id)).resolves.toBeUndefined();
      await expect(store.repos.credentials.revoke("nope")).resolves.toBeUndefined();
    });
  });
}
