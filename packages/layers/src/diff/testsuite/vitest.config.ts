import { defineConfig, mergeConfig } from "vitest/config";
import base from "../../../../../vitest.config.js";

// The repository config without its global setup (which type-checks and builds every package):
// lets the diff tests run while other packages are mid-change.
const merged = mergeConfig(base, { test: { root: new URL("../../../../../", import.meta.url).pathname } });
export default defineConfig({ ...merged, test: { ...merged.test, globalSetup: [] } });
