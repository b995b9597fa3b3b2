import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_VARIABLES, loadConfig } from "../../src/config.js";
import { BUILT_ENTRY, REPO_ROOT } from "../reliability/support/built-artifact.js";
import { envNames, execForm, parseDockerfile, type Instruction } from "./dockerfile.js";

const file = (path: string): string => readFileSync(join(REPO_ROOT, path), "utf8");
const stages = parseDockerfile(join(REPO_ROOT, "Dockerfile"));
const runtime = stages.at(-1)!;
const last = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).at(-1);
const defaults = loadConfig({});

describe("the image (Dockerfile, parsed: no container daemon here)", () => {
  it("runs the same built entry point as npm start, the userlink bin and the rolling-restart test", () => {
    const command = [...execForm(last(runtime, "ENTRYPOINT")), ...execForm(last(runtime, "CMD"))];
    expect(command).toEqual(["node", BUILT_ENTRY, "serve"]);
    const pkg = JSON.parse(file("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${BUILT_ENTRY} serve`);
    expect(file("bin/userlink.js")).toContain(`await import("../${BUILT_ENTRY}")`);
  });

  it("is multi-stage: builds with dev dependencies, runs on production dependencies only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = (stage: Instruction[]) => stage.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs(stages[0]!).some((r) => /npm ci(?!.*--omit)/.test(r))).toBe(true);
    expect(runs(stages[0]!).some((r) => r.includes("npm run build"))).toBe(true);
    expect(runs(runtime).some((r) => r.includes("npm ci --omit=dev"))).toBe(true);
    // STACK.md: the buf binary is an optional dependency; never --omit=optional.
    expect(stages.flatMap(runs).filter((r) => r.includes("--omit=optional"))).toEqual([]);
    // dist comes from the build stage; no TypeScript source in the runtime stage.
    const copies = runtime.filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toContain("--from=build /app/dist ./dist");
    expect(copies.some((c) => /\bsrc\b/.test(c))).toBe(false);
  });

  it("runs as a non-root user, stops on SIGTERM and exposes the three default ports", () => {
    const user = last(runtime, "USER")?.args;
    expect(user).toBeDefined();
    expect(["root", "0", "0:0"]).not.toContain(user);
    expect(last(runtime, "STOPSIGNAL")?.args).toBe("SIGTERM");
    const exposed = runtime
      .filter((i) => i.keyword === "EXPOSE")
      .flatMap((i) => i.args.split(/\s+/))
      .map(Number);
    expect(exposed.sort()).toEqual([defaults.grpcPort, defaults.grpcWebPort, defaults.opsPort].sort());
  });

  it("bakes in no secret: every ENV is a configuration variable, none of them secret", () => {
    const names = stages
      .flat()
      .filter((i) => i.keyword === "ENV" || i.keyword === "ARG")
      .flatMap(envNames);
    for (const name of names.filter((n) => n.startsWith("USERLINK_") || n.endsWith("_URL"))) {
      expect(CONFIG_VARIABLES).toContain(name);
    }
    expect(names.filter((n) => /TOKEN|PASSWORD|SECRET|KEY|DATABASE_URL|REDIS_URL/.test(n))).toEqual([]);
    const ignored = file(".dockerignore").split("\n");
    for (const entry of [".git", "node_modules", "dist", ".userlink", ".env"])
      expect(ignored).toContain(entry);
  });
});

describe("compose.yaml", () => {
  const compose = parse(file("compose.yaml"), { merge: true }) as {
    services: Record<string, { image?: string; command?: string[]; environment?: Record<string, unknown> }>;
  };
  const ours = Object.entries(compose.services).filter(([, s]) => s.image === "userlink:local");
  // Compose's ${VAR:-default} / ${VAR:?message} interpolations, filled as an operator would.
  const interpolate = (value: unknown): string =>
    String(value).replace(/\$\{(\w+)(?::[-?][^}]*)?\}/g, (_m, name: string) =>
      name === "USERLINK_ADMIN_TOKEN" ? "a".repeat(40) : "local",
    );

  it("has two instances and a migrate step of the image, on one Postgres and one Redis", () => {
    const instances = ours.filter(([, s]) => s.command === undefined);
    expect(instances).toHaveLength(2);
    expect(ours.filter(([, s]) => s.command?.[0] === "migrate")).toHaveLength(1);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["postgres", "redis"]));
  });

  it("sets only variables of the configuration schema, and valid values for them", () => {
    for (const [name, service] of ours) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
      );
      for (const variable of Object.keys(env))
        expect(CONFIG_VARIABLES, `${name}: ${variable}`).toContain(variable);
      const config = loadConfig(env);
      expect(config.databaseUrl, name).not.toBeNull();
    }
  });
});
