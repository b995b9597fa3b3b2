import { readFileSync, unlinkSync } from "node:fs";
import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "./startup-error.js";

/**
 * One process per embedded data folder. PGlite does not lock its folder, so a second
 * `serve` on it would run a second database over the same files: writes acknowledged by
 * one would be invisible to the other and lost on restart.
 *
 * The lock is a pid file made with O_EXCL, as Postgres' own postmaster.pid: it holds the
 * pid and that process's start time (from /proc), and a file whose process is gone (or
 * whose pid now belongs to another process, or to this one in a new container) is stale
 * and taken over, so a crash or SIGKILL never leaves the folder locked. We chose this over
 * `proper-lockfile`, whose stale detection by mtime keeps a crashed lock for its whole
 * stale period (10 s by default) and needs a timer rewriting the file all along; there is
 * no maintained flock(2) binding that installs without a native build.
 */
export interface EmbeddedLock {
  readonly path: string;
  /** Removes the pid file (only while it is still ours). Safe to call twice. */
  release(): Promise<void>;
}

interface Holder {
  readonly pid: number;
  /** Clock ticks since boot when the process started (Linux); null elsewhere. */
  readonly startedAt: number | null;
}

const FILE = "userlink.pid";

export async function acquireEmbeddedLock(dataDir: string): Promise<EmbeddedLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE);
  const me: Holder = { pid: process.pid, startedAt: processStartedAt(process.pid) };
  const text = `${JSON.stringify(me)}\n`;
  // Twice at most: once more after removing a stale file.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, text, { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = parseHolder(await readFile(path, "utf8").catch(() => ""));
      if (holder !== null && isRunning(holder)) throw inUse(dataDir, holder.pid);
      await unlink(path).catch(() => undefined);
      continue;
    }
    // Two starts that both removed the same stale file: the one whose file survived wins.
    const written = parseHolder(await readFile(path, "utf8").catch(() => ""));
    if (written === null || written.pid !== me.pid) throw inUse(dataDir, written?.pid ?? null);
    return lockAt(path, me);
  }
  throw inUse(dataDir, null);
}

function lockAt(path: string, me: Holder): EmbeddedLock {
  let released = false;
  const ours = (text: string): boolean => parseHolder(text)?.pid === me.pid;
  // A process that exits without close() (process.exit in a handler) still lets go.
  const onExit = (): void => {
    if (released) return;
    try {
      if (ours(readFileSync(path, "utf8"))) unlinkSync(path);
    } catch {
      // Gone already.
    }
  };
  process.once("exit", onExit);
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      const text = await readFile(path, "utf8").catch(() => "");
      if (ours(text)) await unlink(path).catch(() => undefined);
    },
  };
}

function inUse(dataDir: string, pid: number | null): StartupError {
  const who = pid === null ? "another process" : `process ${pid}`;
  return new StartupError(
    `the embedded data folder ${dataDir} is in use by ${who} (one server per folder): stop it, or set USERLINK_DATA_DIR to another folder`,
  );
}

function parseHolder(text: string): Holder | null {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid !== "number" || !Number.isInteger(value.pid) || value.pid <= 0) return null;
    return { pid: value.pid, startedAt: typeof value.startedAt === "number" ? value.startedAt : null };
  } catch {
    return null;
  }
}

function isRunning(holder: Holder): boolean {
  // Our own pid in the file is a previous life (a container restarted as pid 1 again).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is running.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const startedAt = processStartedAt(holder.pid);
  // A reused pid: the process running now started at another time than the holder.
  return holder.startedAt === null || startedAt === null || startedAt === holder.startedAt;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); null off Linux. */
function processStartedAt(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may hold spaces): starttime is the 20th.
    const value = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
