// `userlink users list|get|delete` and `userlink audit` against a running server, over
// AdminService.ListUsers/GetUser/DeleteUser/ListAuditEvents. The reads are the answers
// of the admin-reads work: until it is merged the server answers UNIMPLEMENTED and the
// "answers" tests below fail (on purpose: nothing is skipped).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceClient, createLinkClient, DeviceType, Platform } from "../../clients/node/src/index.js";
import { ALL_SCOPES } from "../support/flow.js";
import {
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";
import { runCli } from "./run-cli.js";

interface UserJson {
  userId: string;
  externalUserId: string;
  devices?: { deviceId: string; platform: string; deviceType: string; state: string; stateReason: string }[];
}
interface EventJson {
  eventId: string;
  occurredAt: string;
  kind: string;
  userId?: string;
}

describe("the userlink CLI's user and audit commands (real)", () => {
  let storage: OwnedStorage;
  let server: TestInstance;
  let appId: string;
  let apiKey: string;
  const users: Record<string, string> = {};

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage);
    const { app } = await server.admin.createApp({ displayName: "CLI users" });
    appId = app!.appId;
    ({ apiKey } = await server.admin.createApiKey({ appId, name: "k", scopes: ALL_SCOPES }));
    const link = createLinkClient({ address: server.address, apiKey });
    const device = createDeviceClient({ address: server.address });
    try {
      for (const externalUserId of ["cli-alice", "cli-bob", "other-carol"]) {
        const { authenticationCode } = await link.requestAuthCode({ externalUserId });
        const created = await device.createUser({
          authenticationCode,
          device: { platform: Platform.PLATFORM_IOS, deviceType: DeviceType.DEVICE_TYPE_PHONE },
        });
        users[externalUserId] = created.userId;
      }
    } finally {
      link.close();
      device.close();
    }
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
  });

  const env = () => ({
    USERLINK_GRPC_PORT: String(server.running.grpcPort),
    USERLINK_ADMIN_TOKEN: storage.adminToken,
  });

  it("answers users list, with the prefix filter and paging", { timeout: 120_000 }, async () => {
    const all = await runCli(["users", "list", appId], env());
    expect(all.stderr).toBe("");
    const listed = all.json<{ users: UserJson[] }>().users.map((u) => u.externalUserId);
    expect(listed.sort()).toEqual(["cli-alice", "cli-bob", "other-carol"]);

    const prefixed = await runCli(["users", "list", appId, "--prefix", "cli-"], env());
    expect(
      prefixed
        .json<{ users: UserJson[] }>()
        .users.map((u) => u.externalUserId)
        .sort(),
    ).toEqual(["cli-alice", "cli-bob"]);

    const first = (
      await runCli(["users", "list", appId, "--prefix", "cli-", "--page-size", "1"], env())
    ).json<{
      users: UserJson[];
      nextPageToken: string;
    }>();
    expect(first.users).toHaveLength(1);
    expect(first.nextPageToken).not.toBe("");
    const second = (
      await runCli(
        ["users", "list", appId, "--prefix", "cli-", "--page-size", "1", "--page-token", first.nextPageToken],
        env(),
      )
    ).json<{ users: UserJson[] }>();
    expect([...first.users, ...second.users].map((u) => u.externalUserId).sort()).toEqual([
      "cli-alice",
      "cli-bob",
    ]);
  });

  it("answers users get by user id and by external id, with the devices", { timeout: 120_000 }, async () => {
    const byId = await runCli(["users", "get", appId, users["cli-alice"]!], env());
    expect(byId.stderr).toBe("");
    const { user } = byId.json<{ user: UserJson }>();
    expect(user).toMatchObject({ userId: users["cli-alice"], externalUserId: "cli-alice" });
    expect(user.devices).toEqual([
      expect.objectContaining({
        platform: "PLATFORM_IOS",
        deviceType: "DEVICE_TYPE_PHONE",
        state: "DEVICE_STATE_ACTIVE",
      }),
    ]);
    const byExternal = await runCli(["users", "get", appId, "--external-id", "cli-alice"], env());
    expect(byExternal.json<{ user: UserJson }>().user.userId).toBe(users["cli-alice"]);
  });

  it("answers audit for the app and for one user, newest first", { timeout: 120_000 }, async () => {
    const app = (await runCli(["audit", appId], env())).json<{ events: EventJson[] }>().events;
    expect(
      app
        .filter((e) => e.kind === "AUDIT_EVENT_KIND_USER_CREATED")
        .map((e) => e.userId)
        .sort(),
    ).toEqual(Object.values(users).sort());
    const times = app.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const bob = (await runCli(["audit", appId, "--user", users["cli-bob"]!], env())).json<{
      events: EventJson[];
    }>().events;
    expect(bob.length).toBeGreaterThan(0);
    expect(new Set(bob.map((e) => e.userId))).toEqual(new Set([users["cli-bob"]]));
  });

  it(
    "answers users delete without asking, printing what it deleted; the user is gone after",
    {
      timeout: 120_000,
    },
    async () => {
      const deleted = await runCli(["users", "delete", appId, "--external-id", "other-carol"], env());
      expect(deleted.stderr).toBe("");
      expect(deleted.json()).toEqual({ userId: users["other-carol"], devicesRemoved: 1 });
      const gone = await runCli(["users", "get", appId, users["other-carol"]!], env());
      expect(gone.exitCode).toBe(1);
      expect(gone.stderr).toMatch(/^NOT_FOUND USER_NOT_FOUND: /);
    },
  );

  it(
    "refuses a user named both ways or not at all, and a page size that is not a number",
    {
      timeout: 120_000,
    },
    async () => {
      for (const args of [
        ["users", "get", appId],
        ["users", "delete", appId, users["cli-bob"]!, "--external-id", "cli-bob"],
        ["users", "list"],
        ["users", "list", appId, "--page-size", "ten"],
        ["audit"],
      ]) {
        const result = await runCli(args, env());
        expect(result.exitCode, args.join(" ")).toBe(2);
        expect(result.stderr, args.join(" ")).toMatch(/^usage: userlink /);
      }
      // Nothing was deleted by the refused delete.
      expect((await server.admin.listApps({ pageSize: 1 })).apps.length).toBe(1);
    },
  );
});
