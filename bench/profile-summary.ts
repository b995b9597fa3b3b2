/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a --cpu-prof profile
 * of the server spent its time, by function (self time) and by package or source folder.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]");
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);

function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src|bench|test)\/(.*)\/[^/]+$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith("node:")) return url;
  return url === "" ? "(native/vm)" : url.replace(/^.*\//, "");
}

const bySelf = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || "(anonymous)"} ${where(url)}:${lineNumber + 1}`;
  bySelf.set(key, (bySelf.get(key) ?? 0) + hits);
  byPlace.set(where(url), (byPlace.get(where(url)) ?? 0) + hits);
}
// Inclusive time: each sample counts once for every distinct function on its stack.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const inclusive = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0 || node.callFrame.functionName === "(idle)") continue;
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || "(anonymous)"} ${where(url)}:${lineNumber + 1}`;
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    seen.add(key);
  }
}
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show("self time by function", bySelf);
show("self time by package / folder", byPlace);
show("inclusive time by function (idle excluded from nothing: % of all samples)", inclusive);
