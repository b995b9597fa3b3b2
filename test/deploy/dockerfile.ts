import { readFileSync } from "node:fs";

/** One instruction of a Dockerfile: its keyword (upper case) and the rest of the line. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The stages of a Dockerfile, each its FROM line's instructions on (comments, continuations joined). */
export function parseDockerfile(path: string): Instruction[][] {
  const text = readFileSync(path, "utf8").replace(/\\\r?\n/g, " ");
  const stages: Instruction[][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === "FROM") stages.push([]);
    // ARGs before the first FROM belong to no stage.
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** The exec form of CMD/ENTRYPOINT (a JSON array); shell form is refused: it hides signals. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (instruction === undefined) return [];
  const value: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`${instruction.keyword} must be a JSON array of strings`);
  }
  return value;
}

/** `ENV A=1 B=2` (or the old `ENV A 1`): the names it sets. */
export function envNames(instruction: Instruction): string[] {
  if (!instruction.args.includes("=")) return [instruction.args.split(/\s+/)[0]!];
  return [...instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!);
}
