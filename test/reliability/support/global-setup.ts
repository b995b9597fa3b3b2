import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { PROFILE, REPORT, RESULTS_DIR, RUN_LINES } from "./report.js";

/**
 * Starts each run with no figures and ends it by writing test-results/reliability.json:
 * the profile, when the run started and ended, and every scenario's figures.
 */
export default function setup(): () => void {
  const startedAt = new Date();
  mkdirSync(RESULTS_DIR, { recursive: true });
  rmSync(RUN_LINES, { force: true });
  return () => {
    const lines = existsSync(RUN_LINES) ? readFileSync(RUN_LINES, "utf8").split("\n") : [];
    const results = lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown);
    const finishedAt = new Date();
    const report = {
      profile: PROFILE,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
      results,
    };
    writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    rmSync(RUN_LINES, { force: true });
    console.log(`reliability figures: ${REPORT}`);
  };
}
