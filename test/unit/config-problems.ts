import { expect } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

/** The problems loadConfig reports for `env`; [] when it loads. */
export function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

/** The variables named in the problems of `env`. */
export const failing = (env: NodeJS.ProcessEnv) => problemsOf(env).map((p) => p.slice(0, p.indexOf(":")));

export const TOKEN = "t".repeat(32);
