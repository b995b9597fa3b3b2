/** Latency summary in milliseconds from samples in microseconds. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

export function latencyOf(micros: Float64Array | number[]): Latency {
  const sorted = Float64Array.from(micros).sort();
  const at = (q: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), samples: sorted.length };
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
