import { measure, type LoadFigures } from "./measure.js";
import type { MethodResult } from "./report.js";
import type { Context, Scenario } from "./scenario.js";
import { log, SETTINGS } from "./settings.js";
import { median, round } from "./stats.js";

function medianFigures(runs: readonly LoadFigures[]): LoadFigures {
  const pick = (f: (x: LoadFigures) => number) => round(median(runs.map(f)), 2);
  const statuses: Record<string, number> = {};
  for (const run of runs)
    for (const [k, v] of Object.entries(run.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    rps: pick((x) => x.rps),
    p50: pick((x) => x.p50),
    p99: pick((x) => x.p99),
    cpuUsPerCall: pick((x) => x.cpuUsPerCall),
    statuses,
    okShare: pick((x) => x.okShare),
    peakRssMb: Math.max(...runs.map((x) => x.peakRssMb)),
    ...(runs[0]?.dataBytesPerAnswer !== undefined && {
      dataBytesPerAnswer: pick((x) => x.dataBytesPerAnswer ?? 0),
    }),
  };
}

/**
 * Checked with a real client before and after; full and half load, median of the runs.
 * With a `reference` (a health check), each half-load run is followed by the reference
 * at the rate that half load reached, with the same driver, for issue 13's "p99 at
 * half load no more than 1.5× the health check's own p99 at the same rate".
 */
export async function runScenario(
  ctx: Context,
  scenario: Scenario,
  reference?: Scenario,
): Promise<MethodResult> {
  const fulls: LoadFigures[] = [];
  const halves: LoadFigures[] = [];
  const references: LoadFigures[] = [];
  await scenario.check(ctx);
  for (let run = 0; run < SETTINGS.runs; run++) {
    const full = await measure(ctx.server, scenario.method, await scenario.load(ctx, undefined));
    log(
      `  ${scenario.name} full: ${full.rps}/s p50 ${full.p50} p99 ${full.p99} cpu ${full.cpuUsPerCall}µs ${JSON.stringify(full.statuses)}`,
    );
    const half = await measure(ctx.server, scenario.method, await scenario.load(ctx, full.rps / 2));
    log(`  ${scenario.name} half: ${half.rps}/s p50 ${half.p50} p99 ${half.p99} cpu ${half.cpuUsPerCall}µs`);
    fulls.push(full);
    halves.push(half);
    if (reference !== undefined) {
      const same = await measure(ctx.server, reference.method, await reference.load(ctx, half.rps));
      log(`  ${reference.name} at ${half.rps}/s: ${same.rps}/s p50 ${same.p50} p99 ${same.p99}`);
      references.push(same);
    }
  }
  await scenario.check(ctx);
  return {
    name: scenario.name,
    ceiling: scenario.ceiling,
    full: medianFigures(fulls),
    half: medianFigures(halves),
    ...(references.length > 0 && { healthAtHalf: medianFigures(references) }),
  };
}
