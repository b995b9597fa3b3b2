import type { CeilingResult, MethodResult } from "./report.js";
import type { StreamFigures } from "./streams.js";

/** One target of bench/README.md, the figure measured against it, and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export function evaluateTargets(
  methods: readonly MethodResult[],
  ceilings: readonly CeilingResult[],
  streams: StreamFigures | null,
  scale: Record<string, unknown> | null,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (m: MethodResult) => m.full.rps / (ceilings.find((c) => c.name === m.ceiling)?.rps ?? NaN);
  const want = (name: string, min: number) => {
    const m = methods.find((x) => x.name === name);
    if (m)
      out.push({
        target: `${name} ≥ ${min} of ${m.ceiling}`,
        value: ratio(m).toFixed(2),
        met: ratio(m) >= min,
      });
  };
  want("RequestAuthCode (new user)", 0.5);
  want("RequestAuthCode (existing user)", 0.5);
  want("GetDeviceStatus", 0.6);
  want("CreateUser (new user)", 0.5);
  want("CreateUser (restore + replace)", 0.5);
  for (const m of methods.filter((x) => x.name.startsWith("CreateUser"))) {
    out.push({ target: `${m.name} ≥ 1000/s`, value: `${m.full.rps}/s`, met: m.full.rps >= 1000 });
  }
  for (const m of methods) {
    out.push({
      target: `${m.name} p99 at half load < 10 ms`,
      value: `${m.half.p99} ms`,
      met: m.half.p99 < 10,
    });
  }
  if (scale) {
    for (const m of scale.methods as Array<{ name: string; halfP50Ratio: number; halfP99Ratio: number }>) {
      out.push({
        target: `${m.name} latency at 1M ≤ 1.2× at 10k (half-load p50 / p99)`,
        value: `${m.halfP50Ratio} / ${m.halfP99Ratio}`,
        met: m.halfP50Ratio <= 1.2,
      });
    }
  }
  if (streams) {
    out.push({
      target: `${streams.requested} streams under 300 MB RSS`,
      value: `${streams.opened} open, ${streams.rssMb} MB`,
      met: streams.opened === streams.requested && streams.rssMb < 300,
    });
    out.push({
      target: "stream event p99 < 100 ms",
      value: `${streams.eventAfterAnswer.p99} ms (${streams.eventsReceived}/${streams.restorations} events)`,
      met: streams.eventAfterAnswer.p99 < 100 && streams.eventsReceived === streams.restorations,
    });
  }
  return out;
}
