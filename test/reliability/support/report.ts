import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `short` (the default, for CI: well under four minutes) or `full` (by hand, bigger numbers). */
export type Profile = "short" | "full";

export const PROFILE: Profile = process.env.RELIABILITY_PROFILE === "full" ? "full" : "short";

/** The short or the full figure, whichever the profile asks for. */
export function byProfile<T>(short: T, full: T): T {
  return PROFILE === "full" ? full : short;
}

export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test-results");
/** What the workers append to during a run, one JSON object a line. */
export const RUN_LINES = resolve(RESULTS_DIR, "reliability.run.jsonl");
/** The run's report, written by the global teardown from RUN_LINES. */
export const REPORT = resolve(RESULTS_DIR, "reliability.json");

/** Figures of one scenario: counts, seconds, rates; flat, so the report stays greppable. */
export type Figures = Record<string, number | string | boolean>;

/**
 * Prints one compact line of figures and appends them (with the scenario's name) to
 * the run's lines; the global teardown gathers them into test-results/reliability.json.
 * Appending whole lines keeps test files running in parallel from mixing their output.
 */
export function report(scenario: string, figures: Figures): void {
  const line = Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  console.log(`[reliability:${PROFILE}] ${scenario}: ${line}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(RUN_LINES, `${JSON.stringify({ scenario, at: new Date().toISOString(), ...figures })}\n`);
}
