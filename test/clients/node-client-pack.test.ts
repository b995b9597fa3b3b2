import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const run = promisify(execFile);
const PACKAGE_DIR = resolve(import.meta.dirname, "../../clients/node");

// Imports nothing but the installed package: what a customer's backend would write.
const SCRIPT = `
import {
  ApiKeyScope, DeviceState, DeviceType, Platform, Status, UserlinkError,
  createAdminClient, createDeviceClient, createLinkClient,
} from "@userlink/client";

const address = process.env.USERLINK_ADDRESS;
const admin = createAdminClient({ address, adminToken: process.env.USERLINK_ADMIN_TOKEN });
const { app } = await admin.createApp({ displayName: "Packed", sdkConfig: { packed: true } });
const { apiKey } = await admin.createApiKey({
  appId: app.appId, name: "backend", scopes: [ApiKeyScope.API_KEY_SCOPE_USER_LINK, "API_KEY_SCOPE_USER_READ"],
});

const link = createLinkClient({ address, apiKey });
const { authenticationCode } = await link.requestAuthCode({ externalUserId: "packed-1" });

const device = createDeviceClient({ address });
// Enums by their proto names, as JavaScript callers write them.
const request = { authenticationCode, device: { platform: "PLATFORM_IOS", deviceType: "DEVICE_TYPE_PHONE" } };
const created = await device.createUser(request);
device.setAccessToken(created.credentials.accessToken);
const status = await device.getDeviceStatus();
const { user } = await link.getUser({ user: { $case: "userId", value: created.userId } });

let reuse = null;
try {
  await device.createUser(request);
} catch (error) {
  reuse = {
    isUserlinkError: error instanceof UserlinkError,
    isError: error instanceof Error,
    name: error.name, code: error.code, codeName: error.codeName, status: error.status,
    reason: error.reason, domain: error.domain, isUnauthenticated: error.code === Status.UNAUTHENTICATED,
  };
}
let badEnum = null;
try {
  await device.createUser({ authenticationCode: "x", device: { platform: "PLATFORM_WINDOWS", deviceType: 2 } });
} catch (error) {
  badEnum = { code: error.code, codeName: error.codeName, fields: error.fieldViolations.map((v) => v.field) };
}
for (const client of [admin, link, device]) client.close();
console.log(JSON.stringify({
  resolved: import.meta.resolve("@userlink/client"),
  userId: created.userId,
  status: {
    active: status.deviceState === DeviceState.DEVICE_STATE_ACTIVE,
    userId: status.userId,
    sdkConfig: status.sdkConfig,
  },
  reuse,
  badEnum,
  platform: user.devices.map((d) => [d.platform === Platform.PLATFORM_IOS, d.deviceType === DeviceType.DEVICE_TYPE_PHONE]),
}));
`;

// The published types resolve and describe the API (checked with the repo's tsc).
const TYPED = `
import {
  createLinkClient, Status, UserlinkError, type BadRequest, type ErrorInfo, type RetryInfo, type StatusName,
} from "@userlink/client";
const link = createLinkClient({ address: "127.0.0.1:1", apiKey: "k", deadlineMs: 1_000 });
const code: Promise<string> = link.requestAuthCode({ externalUserId: "x" }).then((r) => r.authenticationCode);
const name: StatusName = "UNAUTHENTICATED";
const error = new UserlinkError({ code: Status.UNAUTHENTICATED, details: "d" });
const numeric: Status = error.code;
const details: [ErrorInfo | undefined, BadRequest | undefined, RetryInfo | undefined] = [
  error.errorInfo, error.badRequest, error.retryInfo,
];
export const check = [code, name, numeric, details, error.reason] as const;
// @ts-expect-error: the method does not exist, so the types are not \`any\`.
link.requestAuthCodes({ externalUserId: "x" });
`;

describe("what npm pack puts in @userlink/client", () => {
  it(
    "ships the compiled client, its core and generated code, types, README and CHANGELOG, and no sources",
    {
      timeout: 120_000,
    },
    async () => {
      const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: PACKAGE_DIR });
      const [pack] = JSON.parse(stdout) as { name: string; version: string; files: { path: string }[] }[];
      const files = pack!.files.map((f) => f.path).sort();
      expect(pack).toMatchObject({ name: "@userlink/client", version: "0.2.0" });
      expect(files).toEqual(
        expect.arrayContaining([
          "CHANGELOG.md",
          "README.md",
          "package.json",
          "dist/clients/node/src/index.js",
          "dist/clients/node/src/index.d.ts",
          "dist/clients/core/src/userlink-error.js",
          "dist/clients/core/src/userlink-error.d.ts",
          "dist/src/gen/userlink/v1/device_service.js",
          "dist/src/gen/userlink/v1/device_service.d.ts",
        ]),
      );
      // Only compiled code and its types: no TypeScript sources, maps, tsconfigs or tests.
      const unexpected = files.filter(
        (f) =>
          !/^dist\/.+(\.d\.ts|\.js)$/.test(f) && !["CHANGELOG.md", "README.md", "package.json"].includes(f),
      );
      expect(unexpected).toEqual([]);
      expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
      // Nothing of the server: only the generated stubs come from src/.
      expect(files.filter((f) => f.startsWith("dist/src/") && !f.startsWith("dist/src/gen/"))).toEqual([]);

      const manifest = JSON.parse(await readFile(join(PACKAGE_DIR, "package.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect(manifest).toMatchObject({
        type: "module",
        license: expect.any(String),
        engines: { node: ">=20" },
        exports: {
          ".": { types: "./dist/clients/node/src/index.d.ts", import: "./dist/clients/node/src/index.js" },
        },
      });
      expect(manifest.private).toBeUndefined();
    },
  );
});

describe("@userlink/client as a packed tarball in an empty project", () => {
  let work: string;
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), "userlink-pack-")));
    storage = await createStorage("real");
    server = await startInstance(storage);
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.destroy();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it(
    "installs from npm pack and runs the flow with nothing but the package",
    { timeout: 180_000 },
    async () => {
      const packs = join(work, "packs");
      const project = join(work, "project");
      await mkdir(packs);
      // prepack builds dist/ first.
      await run("npm", ["pack", "--pack-destination", packs], { cwd: PACKAGE_DIR }).catch(
        async (e: unknown) => {
          throw new Error(`npm pack failed: ${String((e as { stderr?: string }).stderr ?? e)}`);
        },
      );
      const tarballs = (await readdir(packs)).filter((f) => f.endsWith(".tgz"));
      expect(tarballs).toEqual(["userlink-client-0.2.0.tgz"]);

      await mkdir(project);
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "scratch", private: true, type: "module" }),
      );
      await run(
        "npm",
        ["install", join(packs, tarballs[0]!), "--no-audit", "--no-fund", "--prefer-offline"],
        { cwd: project },
      );
      await writeFile(join(project, "flow.mjs"), SCRIPT);
      const { stdout } = await run("node", ["flow.mjs"], {
        cwd: project,
        env: { ...process.env, USERLINK_ADDRESS: server.address, USERLINK_ADMIN_TOKEN: storage.adminToken },
      });
      const result = JSON.parse(stdout) as {
        resolved: string;
        userId: string;
        status: { active: boolean; userId: string; sdkConfig: unknown };
        reuse: Record<string, unknown> | null;
        badEnum: Record<string, unknown> | null;
        platform: boolean[][];
      };

      expect(result.resolved).toBe(
        `file://${project}/node_modules/@userlink/client/dist/clients/node/src/index.js`,
      );
      expect(result.userId).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.status).toEqual({ active: true, userId: result.userId, sdkConfig: { packed: true } });
      expect(result.reuse).toEqual({
        isUserlinkError: true,
        isError: true,
        name: "UserlinkError",
        code: 16,
        codeName: "UNAUTHENTICATED",
        status: 16,
        reason: "AUTH_CODE_ALREADY_USED",
        domain: "userlink.v1",
        isUnauthenticated: true,
      });
      expect(result.platform).toEqual([[true, true]]);
      expect(result.badEnum).toEqual({ code: 3, codeName: "INVALID_ARGUMENT", fields: ["device.platform"] });

      await writeFile(join(project, "typed.ts"), TYPED);
      const tsc = resolve(import.meta.dirname, "../../node_modules/typescript/bin/tsc");
      const flags = ["--noEmit", "--strict", "--module", "nodenext", "--target", "es2023", "--types", "node"];
      await run("node", [tsc, ...flags, "typed.ts"], { cwd: project }).catch((e: unknown) => {
        throw new Error(
          `the published types do not check: ${String((e as { stdout?: string }).stdout ?? e)}`,
        );
      });
    },
  );
});
