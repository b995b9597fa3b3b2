#!/usr/bin/env node
// `prestart`: builds dist/ when it is missing or older than a source, so a fresh clone's
// `npm ci && npm start` works and a changed checkout never serves yesterday's build.
// Cheap when nothing changed (a walk over file times), so `npm start` stays quick.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function builtAt() {
  try {
    return statSync(join(root, "dist/.build-stamp")).mtimeMs;
  } catch {
    return -1;
  }
}

const inputs = [
  "src",
  "clients/core/src",
  "clients/node/src",
  "clients/web/src",
  "console",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
].map((p) => join(root, p));
const stamp = builtAt();
if (stamp < 0 || inputs.some((input) => newest(input) > stamp)) {
  process.stderr.write(
    `${stamp < 0 ? "dist/ is missing: building" : "sources changed since the last build: building"}\n`,
  );
  const npm = process.env.npm_execpath;
  const result =
    npm === undefined
      ? spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" })
      : spawnSync(process.execPath, [npm, "run", "-s", "build"], { cwd: root, stdio: "inherit" });
  process.exit(result.status ?? 1);
}
