import { defineConfig } from "vitest/config";

// `npm run test:reliability`: races, faults, bad input and security, with figures.
// RELIABILITY_PROFILE=short (default, for CI) or full (by hand, bigger numbers).
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    globalSetup: ["test/reliability/support/global-setup.ts"],
    testTimeout: process.env.RELIABILITY_PROFILE === "full" ? 900_000 : 120_000,
    hookTimeout: 120_000,
    // Two cores: the fault scenarios start servers and a load process of their own.
    maxWorkers: 2,
    // Figures are printed as they come.
    silent: false,
  },
});
