import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isId, newId } from "../../src/domain/ids.js";
import type { App, User } from "../../src/domain/model.js";
import type { AuditActor, AuditEvent, RecordedAuditEvent, Store } from "../../src/ports/store.js";

const t0 = new Date("2026-03-01T10:00:00.000Z");
const plusMs = (date: Date, ms: number) => new Date(date.getTime() + ms);
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const withoutId = ({ id: _id, ...event }: RecordedAuditEvent): AuditEvent => event;

/**
 * The Store verbs AdminService's reads stand on (issue 14): users by external id
 * prefix, and the audit trail newest first with its actors. Called from
 * describeStoreContract, so Postgres and PGlite run the same expectations.
 */
export function describeStoreReadsContract(getStore: () => Store): void {
  describe("admin reads", () => {
    async function givenApp(): Promise<App> {
      const app: App = {
        id: newId(),
        displayName: "reads",
        sdkConfig: {},
        configVersion: 1,
        authCodeTtlSeconds: 600,
        createdAt: t0,
      };
      await getStore().repos.apps.insert(app);
      return app;
    }

    async function givenUser(appId: string, externalUserId: string): Promise<User> {
      const candidate = { id: newId(), appId, externalUserId, disabled: false, createdAt: t0 };
      return (await getStore().repos.users.findOrCreateForUpdate(candidate)).user;
    }

    function event(appId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
      return {
        appId,
        userId: null,
        deviceId: null,
        kind: "app.updated",
        state: null,
        reason: null,
        details: {},
        occurredAt: t0,
        actor: { kind: "ADMIN", id: "0123456789abcdef" },
        ...overrides,
      };
    }

    it("lists users by external id prefix, byte for byte, in id order and page by page", async () => {
      const { id: appId } = await givenApp();
      const { id: otherAppId } = await givenApp();
      const names = [
        "alice-1",
        "alice-2",
        "alicia",
        "bob",
        "ALICE-3",
        "al%ice",
        "al_x",
        "alXx",
        "a\\b",
        "alice-3",
      ];
      const made = new Map<string, User>();
      for (const name of names) made.set(name, await givenUser(appId, name));
      await givenUser(otherAppId, "alice-9");
      const users = getStore().repos.users;
      const list = (prefix: string, limit = 100, afterId: string | null = null) =>
        users.list(appId, { limit, afterId }, { externalIdPrefix: prefix });
      const expected = (...picked: string[]) => picked.map((n) => made.get(n)!).sort(byId);

      expect(await list("alice")).toEqual(expected("alice-1", "alice-2", "alice-3"));
      // LIKE's wildcards and escape are taken literally.
      expect(await list("al%")).toEqual(expected("al%ice"));
      expect(await list("al_")).toEqual(expected("al_x"));
      expect(await list("a\\")).toEqual(expected("a\\b"));
      expect(await list("ALICE")).toEqual(expected("ALICE-3"));
      expect(await list("zed")).toEqual([]);
      expect(await list("")).toEqual(expected(...names));
      expect(await users.list(appId, { limit: 100, afterId: null })).toEqual(expected(...names));

      const all = expected("alice-1", "alice-2", "alice-3");
      const first = await list("alice", 2);
      expect(first).toEqual(all.slice(0, 2));
      expect(await list("alice", 2, first[1]!.id)).toEqual(all.slice(2));
      expect(
        await users.list(otherAppId, { limit: 10, afterId: null }, { externalIdPrefix: "alice" }),
      ).toHaveLength(1);
      expect(await users.list("nope", { limit: 10, afterId: null }, { externalIdPrefix: "a" })).toEqual([]);
    });

    it("lists an app's audit trail newest first with ids and actors, ties newest-appended first, across appends too", async () => {
      const { id: appId } = await givenApp();
      const owner = await givenUser(appId, `u-${randomBytes(4).toString("hex")}`);
      const actors: AuditActor[] = [
        { kind: "API_KEY", id: newId() },
        { kind: "ADMIN", id: "fedcba9876543210" },
        { kind: "DEVICE", id: newId() },
        { kind: "SYSTEM", id: "" },
      ];
      const first = event(appId, { kind: "app.created", actor: actors[1]! });
      const second = event(appId, { userId: owner.id, kind: "user.created", actor: actors[2]! });
      const third = event(appId, {
        userId: owner.id,
        deviceId: actors[2]!.id,
        kind: "device.state_changed",
        state: "ACTIVE",
        reason: "NEW_DEVICE",
        actor: actors[2]!,
      });
      const later = event(appId, {
        kind: "api_key.created",
        details: { key_id: "k" },
        actor: actors[0]!,
        occurredAt: plusMs(t0, 5),
      });
      const last = event(appId, {
        userId: owner.id,
        kind: "user.disabled",
        actor: actors[3]!,
        occurredAt: plusMs(t0, 9),
      });
      const audit = getStore().repos.audit;
      // Out of time order across appends; three events of one instant in two appends.
      await audit.append([later]);
      await audit.append([first, second]);
      await audit.append([third]);
      await audit.append([last]);
      await audit.append([event((await givenApp()).id)]);

      const listed = await audit.list(appId, { userId: null }, { limit: 100, afterId: null });
      expect(listed.map(withoutId)).toEqual([last, later, third, second, first]);
      expect(listed.every((e) => isId(e.id))).toBe(true);
      const ids = listed.map((e) => e.id);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(new Set(ids).size).toBe(ids.length);
      // An event's id is a UUIDv7 of its own millisecond.
      for (const e of listed) {
        expect(parseInt(e.id.replace(/-/g, "").slice(0, 12), 16)).toBe(e.occurredAt.getTime());
      }

      const page1 = await audit.list(appId, { userId: null }, { limit: 2, afterId: null });
      const page2 = await audit.list(appId, { userId: null }, { limit: 2, afterId: page1[1]!.id });
      const page3 = await audit.list(appId, { userId: null }, { limit: 2, afterId: page2[1]!.id });
      expect([...page1, ...page2, ...page3]).toEqual(listed);
      expect(page3).toHaveLength(1);

      const mine = await audit.list(appId, { userId: owner.id }, { limit: 100, afterId: null });
      expect(mine.map(withoutId)).toEqual([last, third, second]);
      expect(await audit.list(newId(), { userId: null }, { limit: 10, afterId: null })).toEqual([]);
      expect(await audit.list(appId, { userId: newId() }, { limit: 10, afterId: null })).toEqual([]);
      expect(await audit.list("nope", { userId: null }, { limit: 10, afterId: null })).toEqual([]);
      expect(await audit.list(appId, { userId: "nope" }, { limit: 10, afterId: null })).toEqual([]);
    });

    it("drops a deleted user's events from the trail and keeps the app's", async () => {
      const { id: appId } = await givenApp();
      const doomed = await givenUser(appId, "doomed");
      const audit = getStore().repos.audit;
      await audit.append([event(appId, { userId: doomed.id, kind: "user.created" }), event(appId)]);
      expect(await getStore().repos.users.delete(appId, doomed.id)).toBe(true);
      const left = await audit.list(appId, { userId: null }, { limit: 10, afterId: null });
      expect(left.map(withoutId)).toEqual([event(appId)]);
      expect(await audit.list(appId, { userId: doomed.id }, { limit: 10, afterId: null })).toEqual([]);
    });
  });
}
