import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { copyInto } from "./copy-into.js";
import { tempDir } from "./testsuite/fixtures.js";

// The full 20,000-file run (~200 MB) is opt-in: STRATA_BENCH=1. By default a tenth of it runs as a smoke check.
const FULL = process.env.STRATA_BENCH === "1";
const DIRS = FULL ? 200 : 20;
const FILES_PER_DIR = 100;
const FILE_SIZE = 10 * 1024;

describe("copyInto throughput", () => {
  it(`copies ${DIRS * 100} small files quickly`, async () => {
    const context = await tempDir("strata-perf-ctx-");
    const rootfs = await tempDir("strata-perf-rootfs-");
    const body = Buffer.alloc(FILE_SIZE);
    for (let d = 0; d < DIRS; d++) {
      const dir = path.join(context, "src", `pkg${d}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(
        Array.from({ length: FILES_PER_DIR }, (_, f) => {
          body.writeUInt32LE(d * FILES_PER_DIR + f, 0); // distinct contents
          return writeFile(path.join(dir, `file${f}.js`), Buffer.from(body));
        }),
      );
    }
    const started = performance.now();
    const { copied } = await copyInto({ sourceRoot: context, sourceIsContext: true, sources: ["src"], destRoot: rootfs, dest: "/app", workdir: "/", isAdd: false });
    const seconds = (performance.now() - started) / 1000;
    const files = DIRS * FILES_PER_DIR;
    const mb = (files * FILE_SIZE) / 1024 / 1024;
    console.log(`copyInto: ${files} files, ${mb.toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${(files / seconds).toFixed(0)} files/s, ${(mb / seconds).toFixed(0)} MiB/s`);
    expect(copied).toBe(files + DIRS + 1);
    // BuildKit needs ~10 s for the full set; the bound is loose because the test machines are shared.
  });
});
