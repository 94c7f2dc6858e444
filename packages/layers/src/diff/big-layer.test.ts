import path from "node:path";
import { mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { tempDir } from "./testsuite/trees.js";

const MB = Number(process.env.STRATA_BIG_LAYER_MB ?? 256);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../../..");

/**
 * Writes a layer holding one MB-sized random file in a separate process (the built package)
 * and reads that process's peak RSS (VmHWM): the layer must stream, never be buffered.
 * STRATA_BIG_LAYER_MB=1024 runs the full 1 GiB case.
 */
describe(`a ${MB} MiB layer`, () => {
  it("is written with bounded memory, at disk speed", async () => {
    const dir = await tempDir();
    try {
      const upper = path.join(dir, "upper");
      await mkdir(upper);
      await execa("sh", ["-c", `head -c ${MB}M /dev/urandom > ${upper}/blob`]);
      await execa("npx", ["tsc", "-b", "packages/layers"], { cwd: repo });
      const { stdout } = await execa("node", [path.join(here, "testsuite/layer-rss-child.mjs"), upper, path.join(dir, "store"), "full"]);
      const r = JSON.parse(stdout) as { size: number; seconds: number; mbPerSecond: number; peakRssMB: number };
      console.log(`layer of ${MB} MiB: ${r.mbPerSecond.toFixed(0)} MB/s, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
      expect(r.size).toBe(512 + MB * 2 ** 20 + 1024);
      expect(r.peakRssMB).toBeLessThan(300);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
