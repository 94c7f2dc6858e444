import { defineConfig } from "vitest/config";

// Tests read TypeScript sources across packages through the "@strata/source" export condition,
// so no build is needed before `vitest`.
export default defineConfig({
  resolve: { conditions: ["@strata/source"] },
  ssr: { resolve: { conditions: ["@strata/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["scripts/vitest-global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
