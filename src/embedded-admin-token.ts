import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where the embedded default keeps its admin token, readable by the owner only. */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, "admin-token");
}

/**
 * The embedded default's admin token: made once on first start and kept in the data
 * folder, so a restart (and the CLI beside it) uses the same one. A deployment with
 * DATABASE_URL must configure USERLINK_ADMIN_TOKEN instead, since instances share it.
 */
export async function loadOrCreateAdminToken(dataDir: string): Promise<{ token: string; created: boolean }> {
  const path = adminTokenPath(dataDir);
  const existing = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (existing !== null && existing.trim().length >= 32) return { token: existing.trim(), created: false };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = `adm_${randomBytes(32).toString("base64url")}`;
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return { token, created: true };
}

/** The embedded token if the data folder has one; for the CLI talking to a local server. */
export async function readAdminToken(dataDir: string): Promise<string | null> {
  const text = await readFile(adminTokenPath(dataDir), "utf8").catch(() => null);
  return text === null ? null : text.trim();
}
