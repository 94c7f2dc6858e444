import { defineConfig, mergeConfig } from "vitest/config";
import root from "../vitest.config.js";

/**
 * The root config without its globalSetup (`npm run build` of the whole monorepo), for running
 * the Docker-only suites while other packages are mid-change and do not compile:
 *   npx vitest run -c test/vitest.standalone.config.ts test/compat/oracle.test.ts
 *   npx vitest run -c test/vitest.standalone.config.ts packages/dockerfile   (any suite)
 */
const base = { ...root, test: { ...root.test, globalSetup: [] } };
export default mergeConfig(base, defineConfig({ root: new URL("..", import.meta.url).pathname }));
