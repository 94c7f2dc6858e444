import { defineConfig } from "vitest/config";

// This package's tests alone, without the repository's global setup (which builds every package
// and the busybox image; the parser needs neither): `npx vitest run --config packages/dockerfile/vitest.config.ts`.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ["@strata/source"] },
  ssr: { resolve: { conditions: ["@strata/source"] } },
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
