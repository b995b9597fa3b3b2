// The serve banner's `next:` line, run as printed in a second terminal: a shell with
// nothing of the server's environment, in the repository.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnUserlink, type UserlinkProcess } from "../support/userlink-process.js";
import { REPO } from "./run-cli.js";

const run = promisify(execFile);

describe("the serve banner's next: line (embedded)", () => {
  let dataDir: string;
  let server: UserlinkProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "userlink-banner-"));
    server = await spawnUserlink({
      USERLINK_DATA_DIR: dataDir,
      USERLINK_HOST: "127.0.0.1",
      USERLINK_GRPC_PORT: "0",
      USERLINK_GRPCWEB_PORT: "0",
      USERLINK_OPS_PORT: "0",
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    "works as printed: it names the port and data folder that differ from the defaults",
    { timeout: 120_000 },
    async () => {
      const line = /^ {2}next: +(.+)$/m.exec(server.stderr())?.[1];
      expect(line).toBeDefined();
      expect(line).toContain(`USERLINK_GRPC_PORT=${server.grpcPort}`);
      expect(line).toContain(`USERLINK_DATA_DIR=${dataDir}`);
      // A second terminal: a login shell's PATH and HOME, nothing else of the server's.
      const { stdout } = await run("sh", ["-c", line!], {
        cwd: REPO,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dataDir },
        timeout: 90_000,
      });
      const printed = JSON.parse(stdout) as {
        app: { appId: string; displayName: string };
      };
      expect(printed.app.displayName).toBe("My app");
      expect(printed.app.appId).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
