import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CONSOLE_DIST = join(ROOT, "dist", "console");
const SOURCES = [join(ROOT, "console"), join(ROOT, "clients", "web", "src")];
const LOCK = join(ROOT, "dist", ".console-build.lock");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  const index = join(CONSOLE_DIST, "index.html");
  return existsSync(index) && statSync(index).mtimeMs >= Math.max(...SOURCES.map(newestSource));
}

/**
 * Builds the console (`npm run build:console`) unless dist/console is newer than its
 * sources, so the tests always drive the console of this checkout. Two test files may
 * ask at once: one builds, the other waits for it.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  if (upToDate()) return CONSOLE_DIST;
  await mkdir(join(ROOT, "dist"), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`console build lock ${LOCK} held for 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (upToDate()) return CONSOLE_DIST;
    }
  }
  try {
    if (!upToDate()) await promisify(execFile)("npm", ["run", "-s", "build:console"], { cwd: ROOT });
  } finally {
    await rmdir(LOCK);
  }
  return CONSOLE_DIST;
}
