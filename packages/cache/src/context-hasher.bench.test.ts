import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openContextHasher } from "./context-hasher.js";
import { makeTree, settle } from "./testsuite/fixtures.js";

// A 20,000-file context: set STRATA_BENCH=1 to run the full size (prints cold/warm times);
// without it a 2,000-file tree checks the same property (a warm run reads nothing) quickly.
const FILES = process.env.STRATA_BENCH ? 20_000 : 2_000;
const PER_DIR = 100;

describe(`context checksum of ${FILES} files`, async () => {
  const tree = await makeTree({});
  afterAll(tree.cleanup);
  const ctx = path.join(tree.dir, "ctx");

  it("cold hashes every file; warm verifies with stats alone", async () => {
    for (let d = 0; d < FILES / PER_DIR; d++) {
      const dir = path.join(ctx, `pkg${d % 20}`, `mod${d}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(
        Array.from({ length: PER_DIR }, (_, i) => writeFile(path.join(dir, `f${i}.ts`), `// ${d}/${i}\n`.repeat(1 + ((d * 7 + i) % 200)))),
      );
    }
    await settle(100);
    const statCacheFile = path.join(tree.dir, "stat-cache.json");
    const cpuMs = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    /** Wall and CPU milliseconds of `fn` (CPU shows the cost when other processes share the host). */
    const time = async <T>(fn: () => Promise<T>): Promise<[T, string]> => {
      const [w, c] = [performance.now(), cpuMs()];
      const out = await fn();
      return [out, `${(performance.now() - w).toFixed(0)} ms (cpu ${(cpuMs() - c).toFixed(0)} ms)`];
    };
    const [cold, tOpenCold] = await time(() => openContextHasher({ contextDir: ctx, statCacheFile }));
    const [coldSum, tCold] = await time(() => cold.checksum(["."]));
    const [, tSave] = await time(() => cold.save());
    const [warm, tLoad] = await time(() => openContextHasher({ contextDir: ctx, statCacheFile }));
    const [warmSum, tWarm] = await time(() => warm.checksum(["."]));
    const [again, tAgain] = await time(() => warm.checksum(["."]));
    expect(warmSum.digest).toBe(coldSum.digest);
    expect(again.digest).toBe(coldSum.digest);
    expect(cold.counters.filesHashed).toBe(FILES);
    expect(warm.counters.filesHashed).toBe(0);
    expect(warm.counters.statHits).toBe(2 * FILES);
    console.log(
      `${FILES} files, ${(cold.counters.bytesHashed / 1e6).toFixed(1)} MB, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs\n` +
        `  cold: open ${tOpenCold}, checksum ${tCold}, save ${tSave}\n` +
        `  warm: load stat cache ${tLoad}, checksum ${tWarm}, again ${tAgain}`,
    );
  });
});
