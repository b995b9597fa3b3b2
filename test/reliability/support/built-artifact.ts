import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The one built entry point: `npm start`, bin/userlink.js, the image's ENTRYPOINT and the
 * rolling-restart test all run this file with plain node (test/deploy checks they agree).
 */
export const BUILT_ENTRY = "dist/src/cli/main.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BUILT_ENTRY_PATH = fileURLToPath(new URL(`../../../${BUILT_ENTRY}`, import.meta.url));

/** Builds dist/ when it is missing or older than the sources (as `npm start` does). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });
}
