import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testRedisUrl } from "../support/redis.js";
import { spawnUserlink, type UserlinkProcess } from "../support/userlink-process.js";
import { createStorage } from "../support/userlink-server.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
// Each embedded start compiles PGlite (seconds, more on a busy machine): room for several.
const SLOW = 180_000;
const EPHEMERAL = {
  USERLINK_HOST: "127.0.0.1",
  USERLINK_GRPC_PORT: "0",
  USERLINK_GRPCWEB_PORT: "0",
  USERLINK_OPS_PORT: "0",
};

/** `userlink serve` expected to refuse: its exit code and everything it wrote to stderr. */
async function refusedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve"], {
    env: { PATH: process.env.PATH ?? "", USERLINK_LOG_LEVEL: "warn", ...EPHEMERAL, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), SLOW);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr };
}

function expectOneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  // No stack trace, no raw error object.
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe("the embedded default is one process (real)", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });
  const dataDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "userlink-lock-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const serve = async (dir: string): Promise<UserlinkProcess> => {
    const proc = await spawnUserlink({ ...EPHEMERAL, USERLINK_DATA_DIR: dir });
    cleanups.push(() => proc.kill());
    return proc;
  };

  it(
    "refuses a second server on the same data folder in one line naming it, and lets go on exit",
    async () => {
      const dir = await dataDir();
      const first = await serve(dir);
      const second = await refusedStart({ USERLINK_DATA_DIR: dir });
      expect(second.code).toBe(2);
      const line = expectOneLine(second.stderr);
      expect(line).toContain(dir);
      expect(line).toContain(`process ${first.pid}`);
      expect(line).toContain("USERLINK_DATA_DIR");
      // The refused start did not take the folder from the running one.
      expect((await fetch(`${first.opsUrl}/readyz`)).status).toBe(200);

      await first.stop();
      expect(await first.exited).toBe(0);
      expect(existsSync(join(dir, "userlink.pid"))).toBe(false);
      const next = await serve(dir);
      expect((await fetch(`${next.opsUrl}/readyz`)).status).toBe(200);
      await next.stop();
    },
    SLOW,
  );

  it(
    "does not outlive a crash: after SIGKILL a new server starts on the folder",
    async () => {
      const dir = await dataDir();
      const first = await serve(dir);
      await first.kill();
      expect(await first.exited).toBe("SIGKILL");
      // The dead process's pid file is still there; the next start sees it is stale.
      expect(existsSync(join(dir, "userlink.pid"))).toBe(true);
      const next = await serve(dir);
      expect((await fetch(`${next.opsUrl}/readyz`)).status).toBe(200);
      await next.stop();
      expect(await next.exited).toBe(0);
    },
    SLOW,
  );

  // On Postgres and Redis (no PGlite to compile first), so the three run quickly.
  it.concurrent.each(["USERLINK_GRPC_PORT", "USERLINK_GRPCWEB_PORT", "USERLINK_OPS_PORT"])(
    "a port in use is one line naming %s, exit code 2",
    async (variable) => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
      const port = (taken.address() as { port: number }).port;
      const storage = await createStorage("real");
      cleanups.push(() => storage.destroy());
      const result = await refusedStart({
        DATABASE_URL: storage.databaseUrl!,
        REDIS_URL: testRedisUrl(),
        USERLINK_ADMIN_TOKEN: storage.adminToken,
        USERLINK_REDIS_KEY_PREFIX: storage.redisKeyPrefix,
        [variable]: String(port),
      });
      expect(result.code).toBe(2);
      const line = expectOneLine(result.stderr);
      expect(line).toBe(`port ${port} on 127.0.0.1 is already in use: set ${variable} to a free port`);
    },
    SLOW,
  );
});
