import type { LoadFigures } from "./measure.js";

export interface MethodResult {
  readonly name: string;
  readonly ceiling: string;
  readonly full: LoadFigures;
  readonly half: LoadFigures;
  /**
   * The health check driven like the half load, at the rate the half load reached, right
   * after it: the p99 that the method's half-load p99 is held against. Absent for the
   * ceilings themselves and for the 1M runs.
   */
  readonly healthAtHalf?: LoadFigures;
}

export interface CeilingResult {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU per call, µs (the gRPC ceilings only: they run on the service). */
  readonly cpuUsPerCall?: number;
}

export interface Ratios {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number | null;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function ratiosOf(method: MethodResult, ceiling: CeilingResult | undefined): Ratios | null {
  if (ceiling === undefined) return null;
  return {
    rps: r2(method.full.rps / ceiling.rps),
    p50: r2(method.full.p50 / ceiling.p50),
    p99: r2(method.full.p99 / ceiling.p99),
    cpu: ceiling.cpuUsPerCall === undefined ? null : r2(method.full.cpuUsPerCall / ceiling.cpuUsPerCall),
  };
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
}

/** The terminal table: absolute figures at full and half load, and the ratio to the ceiling. */
export function table(methods: readonly MethodResult[], ceilings: readonly CeilingResult[]): string {
  const head = [
    "method",
    "req/s",
    "p50 ms",
    "p99 ms",
    "½ p50",
    "½ p99",
    "health ½ p99",
    "cpu µs",
    "ok",
    "ceiling",
    "ceil req/s",
    "× req/s",
    "× cpu",
  ];
  const rows = methods.map((m) => {
    const c = ceilings.find((x) => x.name === m.ceiling);
    const ratio = ratiosOf(m, c);
    return [
      m.name,
      String(m.full.rps),
      m.full.p50.toFixed(2),
      m.full.p99.toFixed(2),
      m.half.p50.toFixed(2),
      m.half.p99.toFixed(2),
      m.healthAtHalf ? m.healthAtHalf.p99.toFixed(2) : "-",
      String(m.full.cpuUsPerCall),
      `${(m.full.okShare * 100).toFixed(1)}%`,
      m.ceiling,
      c ? String(Math.round(c.rps)) : "-",
      ratio ? ratio.rps.toFixed(2) : "-",
      ratio?.cpu != null ? ratio.cpu.toFixed(2) : "-",
    ];
  });
  const ceilingRows = ceilings.map((c) => [
    `[ceiling] ${c.name}`,
    String(Math.round(c.rps)),
    c.p50.toFixed(2),
    c.p99.toFixed(2),
    "",
    "",
    "",
    c.cpuUsPerCall === undefined ? "" : String(c.cpuUsPerCall),
    "",
    "",
    "",
    "",
    "",
  ]);
  const all = [head, ...rows, ...ceilingRows];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => pad(row, widths)).join("\n");
}

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** A bar per method beside a bar for its ceiling (requests/s), with the ratio; hand-written SVG. */
export function svgChart(
  methods: readonly MethodResult[],
  ceilings: readonly CeilingResult[],
  caption: string,
): string {
  const rowHeight = 44;
  const left = 230;
  const width = 860;
  const barMax = width - left - 120;
  const max = Math.max(
    1,
    ...methods.map((m) => m.full.rps),
    ...methods.map((m) => ceilings.find((c) => c.name === m.ceiling)?.rps ?? 0),
  );
  const height = 60 + methods.length * rowHeight + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">userlink: requests/s at full load, each method beside its ceiling</text>`,
    `<text x="10" y="38" fill="#555">${esc(caption)}</text>`,
  ];
  methods.forEach((m, i) => {
    const c = ceilings.find((x) => x.name === m.ceiling);
    const y = 55 + i * rowHeight;
    const w1 = Math.max(1, (m.full.rps / max) * barMax);
    const w2 = c ? Math.max(1, (c.rps / max) * barMax) : 0;
    parts.push(
      `<text x="10" y="${y + 13}">${esc(m.name)}</text>`,
      `<text x="10" y="${y + 30}" fill="#777">vs ${esc(m.ceiling)}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${w1.toFixed(1)}" height="15" fill="#2b6cb0"/>`,
      `<text x="${left + w1 + 5}" y="${y + 14}">${Math.round(m.full.rps)}/s${c ? ` (${(m.full.rps / c.rps).toFixed(2)}×)` : ""}</text>`,
    );
    if (c) {
      parts.push(
        `<rect x="${left}" y="${y + 20}" width="${w2.toFixed(1)}" height="15" fill="#cbd5e0"/>`,
        `<text x="${left + w2 + 5}" y="${y + 32}" fill="#555">${Math.round(c.rps)}/s</text>`,
      );
    }
  });
  parts.push(
    `<rect x="${left}" y="${height - 22}" width="12" height="10" fill="#2b6cb0"/><text x="${left + 16}" y="${height - 13}">method</text>`,
    `<rect x="${left + 80}" y="${height - 22}" width="12" height="10" fill="#cbd5e0"/><text x="${left + 96}" y="${height - 13}">ceiling</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
