import { readFile } from "node:fs/promises";
import { spawnUserlink, type UserlinkProcess } from "../../support/userlink-process.js";

export interface ServerProcess extends UserlinkProcess {
  /** Everything the process wrote (logs on stdout, banner on stderr), read back. */
  output(): Promise<string>;
}

/**
 * `userlink serve` logging at info into `logFile`, so its logs can be searched for
 * secrets afterwards.
 */
export async function spawnServer(env: Record<string, string>, logFile: string): Promise<ServerProcess> {
  const server = await spawnUserlink({ USERLINK_LOG_LEVEL: "info", ...env }, { logFile });
  return {
    ...server,
    output: async () => {
      await server.flushLog();
      return readFile(logFile, "utf8");
    },
  };
}
