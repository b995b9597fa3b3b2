import { execFileSync, execSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { log } from "./settings.js";
import { round } from "./stats.js";

/** Postgres and Redis up, h2load installed (apt), pgbench and redis-benchmark present. */
export function ensureTools(): void {
  execFileSync("bash", [fileURLToPath(new URL("../../scripts/ensure-services.sh", import.meta.url))], {
    stdio: "inherit",
  });
  const has = (tool: string) => {
    try {
      execSync(`command -v ${tool}`, { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (!has("h2load")) {
    log("installing h2load (nghttp2-client)");
    execSync(
      "apt-get install -y -qq nghttp2-client || (apt-get update -qq && apt-get install -y -qq nghttp2-client)",
      {
        stdio: "inherit",
      },
    );
  }
  for (const tool of ["pgbench", "redis-benchmark"]) {
    if (!has(tool))
      throw new Error(`${tool} is missing (it comes with the postgresql / redis-tools packages)`);
  }
}

/** The machine the figures were measured on, for the results and the chart's caption. */
export function machine() {
  const pgVersion = execSync("psql --version 2>/dev/null || true").toString().trim();
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: pgVersion,
    redis: execSync("redis-server --version").toString().trim().split(" ").slice(0, 3).join(" "),
    load: execSync("cat /proc/loadavg").toString().trim(),
  };
}
