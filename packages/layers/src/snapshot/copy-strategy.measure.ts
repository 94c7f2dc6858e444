import { chmod, copyFile, constants, link, lchown, lstat, lutimes, mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { copyTree } from "./copy-tree.js";

/**
 * The measurement behind copyTree's choice of `cp -a` over a Node walk, on a 20,000-file
 * tree. A measurement, not a test: `npm run bench:micro` runs it and prints the numbers.
 * The Node walk here is the best case for Node: it leaves out device nodes and loses
 * sub-microsecond mtimes (utimes takes float seconds), yet still has to shell out for xattrs.
 */
describe("native copy strategy (20,000 files)", () => {
  it("compares cp -a --reflink=auto with a Node walk", async () => {
    const base = await mkdtemp(path.join(tmpdir(), "strata-copy-bench-"));
    try {
      const src = path.join(base, "src");
      await makeTree(src, 200, 100);
      await execa("sync");
      const timings: Record<string, number[]> = { "cp -a": [], "node walk": [] };
      for (let round = 0; round < 3; round++) {
        for (const [name, copy] of [["cp -a", copyTree], ["node walk", nodeWalkCopy]] as const) {
          const dst = path.join(base, `dst-${round}-${name.replace(/\W/g, "")}`);
          const t0 = performance.now();
          await copy(src, dst);
          timings[name]!.push(performance.now() - t0);
          await rm(dst, { recursive: true });
        }
      }
      for (const [name, ms] of Object.entries(timings)) {
        console.log(`${name}: ${ms.map((m) => m.toFixed(0)).join(", ")} ms wall (min ${Math.min(...ms).toFixed(0)})`);
      }
      // CPU time is less disturbed than wall time on a shared machine.
      const cpTimes = await execa("bash", ["-c", `TIMEFORMAT='%U %S'; time cp -a --reflink=auto "$0" "$1"`, src, path.join(base, "cpu-cp")]);
      const [user, sys] = cpTimes.stderr.trim().split(" ").map(Number) as [number, number];
      console.log(`cp -a CPU: ${((user + sys) * 1000).toFixed(0)} ms (user ${user}s, sys ${sys}s)`);
      const before = process.cpuUsage();
      await nodeWalkCopy(src, path.join(base, "cpu-node"));
      const used = process.cpuUsage(before);
      console.log(`node walk CPU (node process only): ${((used.user + used.system) / 1000).toFixed(0)} ms`);
      expect(timings["cp -a"]!.length).toBe(3);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 600_000);
});

async function makeTree(root: string, dirs: number, filesPerDir: number): Promise<void> {
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `d${d}`, "sub");
    await mkdir(dir, { recursive: true });
    await Promise.all(
      Array.from({ length: filesPerDir }, async (_, f) => {
        const file = path.join(dir, `f${f}`);
        await writeFile(file, Buffer.alloc(f % 10 === 0 ? 16384 : 512 + f * 7, f));
        await lchown(file, 1000 + (f % 3), 1000);
        if (f % 25 === 0) await symlink(`f${f}`, `${file}.link`);
        if (f % 50 === 0) await link(file, `${file}.hard`);
      }),
    );
  }
}

async function nodeWalkCopy(src: string, dst: string): Promise<void> {
  // inode → the first copy's path, once that copy is complete (entries are copied concurrently).
  const firstPathOfInode = new Map<bigint, Promise<string>>();
  const dirTimes: [string, Date, Date][] = [];
  async function copyEntry(from: string, to: string): Promise<void> {
    const st = await lstat(from, { bigint: true });
    if (st.isDirectory()) {
      await mkdir(to);
      const names = await readdir(from);
      for (let i = 0; i < names.length; i += 64) {
        await Promise.all(names.slice(i, i + 64).map((n) => copyEntry(path.join(from, n), path.join(to, n))));
      }
    } else if (st.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else if (st.nlink > 1n && firstPathOfInode.has(st.ino)) {
      await link(await firstPathOfInode.get(st.ino)!, to);
      return;
    } else {
      const copied = copyFile(from, to, constants.COPYFILE_FICLONE).then(() => to);
      if (st.nlink > 1n) firstPathOfInode.set(st.ino, copied);
      await copied;
    }
    await lchown(to, Number(st.uid), Number(st.gid));
    if (!st.isSymbolicLink()) await chmod(to, Number(st.mode & 0o7777n));
    const times: [Date, Date] = [new Date(Number(st.atimeMs)), new Date(Number(st.mtimeMs))];
    if (st.isDirectory()) dirTimes.push([to, ...times]);
    else await lutimes(to, ...times);
  }
  await copyEntry(src, dst);
  for (const [dir, atime, mtime] of dirTimes.reverse()) await lutimes(dir, atime, mtime);
  // xattrs: one dump and one restore for the whole tree, the cheapest way without a native addon.
  const dump = await execa("getfattr", ["-R", "-P", "-d", "-m", "-", "-e", "hex", "--absolute-names", src]);
  if (dump.stdout.trim() !== "") {
    await execa("setfattr", ["-h", "--restore=-"], { input: dump.stdout.split(src).join(dst) });
  }
}
