import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // `npm run test:reliability` runs these, with its own config and time bounds.
    exclude: [...configDefaults.exclude, "test/reliability/**"],
    // Real servers: PGlite starts in seconds, Postgres databases are created per file.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
