import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/adapters/postgres/schema.js";
import { newId } from "../../src/domain/ids.js";
import type { Store } from "../../src/ports/store.js";
import { event, givens, plusMs, t0 } from "./store-fixtures.js";

/**
 * What every AuditRepository (src/ports/audit.ts) must do. Called from describeStoreContract,
 * so Postgres and PGlite run the same expectations.
 */
export function describeAuditContract(getStore: () => Store, getDb: () => Kysely<Database>): void {
  describe("audit", () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const { givenUser, givenDevice } = givens(getStore, getDb);

    it("appends events and lists a user's oldest first, ties in append order", async () => {
      const owner = await givenUser();
      const made = await givenDevice(owner);
      const later = event(owner, { kind: "user.disabled", occurredAt: plusMs(t0, 10) });
      const created = event(owner, {
        kind: "user.created",
        deviceId: made.id,
        details: { platform: "IOS" },
      });
      const changed = event(owner, {
        kind: "device.state_changed",
        deviceId: made.id,
        state: "ACTIVE",
        reason: "NEW_DEVICE",
        details: { nested: { list: [1, "two", null, true] } },
      });
      await store.repos.audit.append([later, created]);
      await store.repos.audit.append([changed]);
      await store.repos.audit.append([]);
      await store.repos.audit.append([event(await givenUser(owner.appId))]);
      expect(await store.repos.audit.listByUser(owner.appId, owner.id)).toEqual([created, changed, later]);
    });

    it("lists nothing across apps or for malformed ids", async () => {
      const owner = await givenUser();
      await store.repos.audit.append([event(owner)]);
      expect(await store.repos.audit.listByUser(newId(), owner.id)).toEqual([]);
      expect(await store.repos.audit.listByUser(owner.appId, "nope")).toEqual([]);
    });
  });
}
