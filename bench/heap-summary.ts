/**
 * `npx tsx bench/heap-summary.ts <before.heapsnapshot> <after.heapsnapshot> [streams]`:
 * self size and count by node type and constructor in each, and what `after` holds
 * beyond `before` (per stream when the number of streams between them is given),
 * largest first. The snapshots come from `bench/stream-heap.ts`.
 */
import { readFileSync } from "node:fs";

interface Group {
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function groups(file: string, explain = false): Map<string, Group> {
  const heap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const { snapshot, nodes, strings } = heap;
  const fields = snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = snapshot.meta.node_types[0];
  const out = new Map<string, Group>();
  const keys: string[] = [];
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    let name = strings[nodes[i + nameAt]!]!;
    // Strings and code carry their text or source as a name: group them by type alone.
    if (
      type === "string" ||
      type === "concatenated string" ||
      type === "sliced string" ||
      type === "number"
    ) {
      name = "";
    }
    if (type === "code") name = name.startsWith("system /") ? name.replace(/ \/ .*$/, "") : "(code)";
    if (type === "closure") name = `${name || "(anonymous)"}()`;
    const key = `${type} ${name}`.slice(0, 90);
    keys.push(key);
    const group = out.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += nodes[i + sizeAt]!;
    out.set(key, group);
  }
  if (explain && process.env.RETAINERS) {
    for (const wanted of process.env.RETAINERS.split(",")) {
      console.log(`retainers of ${wanted}:`);
      retainers(heap, keys, wanted);
    }
  }
  return out;
}

/** HEAP_RETAINERS="array ": for the nodes of that group, who points at them (edge and holder). */
function retainers(heap: Snapshot, keys: string[], wanted: string): void {
  const { nodes, edges, strings, snapshot } = heap;
  const width = snapshot.meta.node_fields.length;
  const edgeWidth = snapshot.meta.edge_fields.length;
  const countAt = snapshot.meta.node_fields.indexOf("edge_count");
  const sizeAt = snapshot.meta.node_fields.indexOf("self_size");
  const edgeTypes = snapshot.meta.edge_types[0];
  const by = new Map<string, Group>();
  let edge = 0;
  for (let i = 0; i < nodes.length; i += width) {
    for (let e = 0; e < nodes[i + countAt]!; e++, edge += edgeWidth) {
      const to = edges[edge + 2]! / width;
      if (keys[to] !== wanted) continue;
      const type = edgeTypes[edges[edge]!]!;
      if (type === "weak") continue;
      const label = type === "element" || type === "hidden" ? `[${type}]` : strings[edges[edge + 1]!];
      const key = `${keys[i / width]} .${label}`;
      const group = by.get(key) ?? { count: 0, bytes: 0 };
      group.count++;
      group.bytes += nodes[to * width + sizeAt]!;
      by.set(key, group);
    }
  }
  const rows = [...by]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, Number(process.env.RETAINERS_TOP ?? 25));
  for (const [key, g] of rows)
    console.log(`  ${(g.bytes / 1024).toFixed(0).padStart(8)} KB ${String(g.count).padStart(7)}  ${key}`);
}

const [beforeFile, afterFile, streamsArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) throw new Error("usage: heap-summary <before> <after> [streams]");
const before = groups(beforeFile);
const after = groups(afterFile, true);
const streams = Number(streamsArg ?? 0);
const total = (m: Map<string, Group>) => [...m.values()].reduce((s, g) => s + g.bytes, 0);
console.log(
  `total self size: ${(total(before) / 2 ** 20).toFixed(1)} MB → ${(total(after) / 2 ** 20).toFixed(1)} MB`,
);
const none: Group = { count: 0, bytes: 0 };
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const a = after.get(key) ?? none;
  const b = before.get(key) ?? none;
  return { key, count: a.count - b.count, bytes: a.bytes - b.bytes };
});
rows.sort((x, y) => y.bytes - x.bytes);
const per = (n: number) => (streams > 0 ? (n / streams).toFixed(2).padStart(8) : "");
console.log(
  `${"Δ KB".padStart(10)} ${"Δ count".padStart(9)} ${streams ? "   B/str  cnt/str" : ""}  type name`,
);
for (const row of rows.slice(0, Number(process.env.TOP ?? 50))) {
  console.log(
    `${(row.bytes / 1024).toFixed(0).padStart(10)} ${String(row.count).padStart(9)} ${
      streams ? `${(row.bytes / streams).toFixed(0).padStart(8)} ${per(row.count)}` : ""
    }  ${row.key}`,
  );
}
const rest = rows.slice(Number(process.env.TOP ?? 50)).reduce((s, r) => s + r.bytes, 0);
console.log(`${(rest / 1024).toFixed(0).padStart(10)} rest`);
