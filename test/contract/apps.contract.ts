import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/domain/errors.js";
import { newId } from "../../src/domain/ids.js";
import type { App } from "../../src/domain/model.js";
import type { Store } from "../../src/ports/store.js";
import { byId, givens, rejection } from "./store-fixtures.js";

/**
 * What every AppRepository (src/ports/apps.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeAppsContract(getStore: () => Store): void {
  describe("apps", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenApp } = givens(getStore);

    it("round-trips an app, nested SDK config included", async () => {
      const made = await givenApp();
      expect(await store.repos.apps.findById(made.id)).toEqual(made);
    });

    it("finds nothing for an unknown or malformed id", async () => {
      expect(await store.repos.apps.findById(newId())).toBeNull();
      expect(await store.repos.apps.findById("not-a-uuid")).toBeNull();
    });

    it("updates only the fields given, bumping configVersion only with a new sdkConfig", async () => {
      const made = await givenApp();
      const renamed = await store.repos.apps.update(made.id, { displayName: "Acme Health" });
      expect(renamed).toEqual({ ...made, displayName: "Acme Health" });

      const ttl = await store.repos.apps.update(made.id, { authCodeTtlSeconds: 120 });
      expect(ttl).toMatchObject({ displayName: "Acme Health", authCodeTtlSeconds: 120, configVersion: 1 });

      const sdkConfig = { theme: "dark", limits: { max: 5 } };
      const configured = await store.repos.apps.update(made.id, { sdkConfig });
      expect(configured).toMatchObject({ sdkConfig, configVersion: 2, authCodeTtlSeconds: 120 });
      expect((await store.repos.apps.update(made.id, { sdkConfig }))?.configVersion).toBe(3);
      expect(await store.repos.apps.findById(made.id)).toEqual({
        ...made,
        displayName: "Acme Health",
        authCodeTtlSeconds: 120,
        sdkConfig,
        configVersion: 3,
      });
    });

    it("answers an empty update with the app, and an unknown id with null", async () => {
      const made = await givenApp();
      expect(await store.repos.apps.update(made.id, {})).toEqual(made);
      expect(await store.repos.apps.update(newId(), { displayName: "x" })).toBeNull();
      expect(await store.repos.apps.update(newId(), {})).toBeNull();
      expect(await store.repos.apps.update("nope", { displayName: "x" })).toBeNull();
    });

    it("gives two concurrent config updates two versions", async () => {
      const made = await givenApp();
      await Promise.all([
        store.repos.apps.update(made.id, { sdkConfig: { a: 1 } }),
        store.repos.apps.update(made.id, { sdkConfig: { a: 2 } }),
      ]);
      expect((await store.repos.apps.findById(made.id))?.configVersion).toBe(3);
    });

    it("lists apps in ascending id order, page by page", async () => {
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await givenApp({ displayName: `paged ${i}` }));
      const all = await store.repos.apps.list({ limit: 10_000, afterId: null });
      expect(all.map((a) => a.id)).toEqual([...all].sort(byId).map((a) => a.id));
      for (const made of mine) expect(all).toContainEqual(made);

      const walked: App[] = [];
      for (let afterId: string | null = null; ;) {
        const page = await store.repos.apps.list({ limit: 2, afterId });
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        walked.push(...page);
        afterId = page[page.length - 1]!.id;
      }
      expect(walked).toEqual(all);
    });

    it("rejects a second app with the same id, and not as a retryable CONFLICT", async () => {
      const made = await givenApp();
      const error = await rejection(store.repos.apps.insert(made));
      expect(error instanceof AppError && error.code === "CONFLICT").toBe(false);
    });
  });
}
