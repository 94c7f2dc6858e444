// Deterministic bench inputs under /tmp/strata-bench, generated once and reused.
import { createCipheriv } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export const BENCH_TMP = process.env.STRATA_BENCH_TMP ?? "/tmp/strata-bench";
const FIXTURE_VERSION = "1";

/** A keystream of AES-128-CTR under a fixed key: fast, incompressible, the same bytes every time. */
export function pseudoRandomStream(seed) {
  const key = Buffer.alloc(16);
  key.write(String(seed).padEnd(16, "#").slice(0, 16));
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}

async function once(dir, generate) {
  const marker = path.join(dir, ".complete");
  if (existsSync(marker) && (await readFile(marker, "utf8")) === FIXTURE_VERSION) return dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await generate(dir);
  await writeFile(marker, FIXTURE_VERSION);
  return dir;
}

/** (b) 20,000 files, ~200 MB: 100 directories × 200 files of 1–19 KiB, plus files/../changing.txt. */
export function manyFilesContext() {
  return once(path.join(BENCH_TMP, "ctx-20k"), async (dir) => {
    const bytes = pseudoRandomStream("many-files");
    for (let d = 0; d < 100; d++) {
      const sub = path.join(dir, "files", `d${String(d).padStart(3, "0")}`);
      await mkdir(sub, { recursive: true });
      for (let f = 0; f < 200; f++) {
        const size = 1024 + (bytes(4).readUInt32LE(0) % (18 * 1024));
        await writeFile(path.join(sub, `f${String(f).padStart(3, "0")}.bin`), bytes(size));
      }
    }
    await writeFile(path.join(dir, "changing.txt"), "initial\n");
    await writeFile(
      path.join(dir, "Dockerfile"),
      ["FROM busybox", "COPY files/ /data/", "COPY changing.txt /changing.txt", "RUN du -s /data > /du.txt", ""].join("\n"),
    );
  });
}

/** (c) one 1 GiB incompressible file. */
export function bigFileContext() {
  return once(path.join(BENCH_TMP, "ctx-1g"), async (dir) => {
    const bytes = pseudoRandomStream("big-file");
    const fh = await open(path.join(dir, "big.bin"), "w");
    try {
      for (let i = 0; i < 64; i++) await fh.write(bytes(16 << 20));
    } finally {
      await fh.close();
    }
    await writeFile(path.join(dir, "Dockerfile"), "FROM busybox\nCOPY big.bin /big.bin\n");
  });
}

/** (d) a base image of N files made by a RUN, then five RUNs each changing one file. */
export function runsOnBaseContext(n) {
  return once(path.join(BENCH_TMP, `ctx-runs-${n}`), async (dir) => {
    await writeFile(
      path.join(dir, "Dockerfile.base"),
      `FROM busybox\nRUN mkdir /data && cd /data && i=0; while [ $i -lt ${n} ]; do echo $i > f$i; i=$((i+1)); done\n`,
    );
    const runs = [1, 2, 3, 4, 5].map((i) => `RUN echo changed-${i} > /data/f${i}`);
    await writeFile(path.join(dir, "Dockerfile"), [`FROM bench/base-${n}`, ...runs, ""].join("\n"));
  });
}

/** (e) three independent CPU-bound stages copied into a final one. */
export function parallelStagesContext() {
  return once(path.join(BENCH_TMP, "ctx-parallel"), async (dir) => {
    const loop = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done";
    const stages = ["a", "b", "c"].map((s) => `FROM busybox AS ${s}\nRUN ${loop}; echo ${s} > /${s}.txt\n`);
    const final = "FROM busybox\nCOPY --from=a /a.txt /\nCOPY --from=b /b.txt /\nCOPY --from=c /c.txt /\n";
    await writeFile(path.join(dir, "Dockerfile"), [...stages, final].join("\n"));
  });
}

/**
 * (f, g) Two contexts of the 20,000 files of (b) that differ in one file, each copied by one
 * COPY: two images whose 20,000-file layers differ by that file. The second context hardlinks
 * the first's files (same content and mtimes) except the one it rewrites.
 */
export async function manyFilesPairContexts() {
  const a = await manyFilesContext();
  const pair = path.join(BENCH_TMP, "ctx-20k-pair");
  await once(pair, async (dir) => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("cp", ["-al", path.join(a, "files"), path.join(dir, "files")]);
    const changed = path.join(dir, "files", "d050", "f100.bin");
    await rm(changed);
    await writeFile(changed, "this one file differs\n");
    const dockerfile = "FROM busybox\nCOPY files/ /data/\n";
    await writeFile(path.join(dir, "Dockerfile"), dockerfile);
  });
  // The first image's Dockerfile, beside (b)'s, reads the same files/.
  await writeFile(path.join(a, "Dockerfile.copy-only"), "FROM busybox\nCOPY files/ /data/\n");
  return { a, b: pair };
}
