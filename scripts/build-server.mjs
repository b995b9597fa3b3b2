#!/usr/bin/env node
// `npm run build:server`: the server and CLI as plain JavaScript in dist/, so production
// runs `node dist/src/cli/main.js` with no TypeScript loader (dist/ mirrors the repository:
// the CLI's admin commands import clients/node, which is compiled beside src/). Plain tsc (one file in, one
// file out, source maps for stack traces); the only non-TypeScript file the code reads
// at run time, the descriptor set for server reflection, is copied next to it.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
// What an earlier build emitted for a file since removed must not linger; dist/console
// (the console's own build step) is left alone.
for (const entry of existsSync(dist) ? readdirSync(dist) : []) {
  if (entry !== "console") rmSync(join(dist, entry), { recursive: true, force: true });
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
mkdirSync(join(dist, "src/gen"), { recursive: true });
copyFileSync(join(root, "src/gen/userlink.binpb"), join(dist, "src/gen/userlink.binpb"));
// scripts/build-if-stale.mjs compares the sources with this stamp.
writeFileSync(join(dist, ".build-stamp"), `${new Date().toISOString()}\n`);
