import { chmod, lstat, mkdir, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openContextHasher } from "./context-hasher.js";
import { makeTree, settle } from "./testsuite/fixtures.js";

// Random edit sequences against one long-lived hasher (with its stat cache) must always give the
// same checksum as a fresh hasher that reads every file. Every write pins mtime to one fixed
// value, the worst case for a stat cache: only size, ctime and inode can tell versions apart.
const NAMES = ["a", "b", "d/c", "d/e", "d/f/g"] as const;
const PINNED = 1_700_000_000;

type Edit =
  | { op: "write"; name: string; content: string }
  | { op: "rewrite"; name: string; content: string }
  | { op: "delete"; name: string }
  | { op: "chmod"; name: string; mode: number }
  | { op: "rename"; from: string; to: string }
  | { op: "symlink"; name: string; target: string }
  | { op: "settle" };

const name = fc.constantFrom(...NAMES);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("write" as const), name, content: fc.string({ unit: fc.constantFrom("x", "y"), maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("rewrite" as const), name, content: fc.string({ unit: fc.constantFrom("x", "y"), maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), name }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("chmod" as const), name, mode: fc.constantFrom(0o644, 0o755, 0o600) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rename" as const), from: name, to: name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("symlink" as const), name, target: fc.constantFrom("a", "b", "../a", "c") }) },
  { weight: 1, arbitrary: fc.constant({ op: "settle" as const }) },
);

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

async function apply(ctx: string, e: Edit): Promise<void> {
  const at = (n: string): string => path.join(ctx, n);
  switch (e.op) {
    case "write":
      await rm(at(e.name), { force: true }); // through a symlink would write elsewhere
      await writeFile(at(e.name), e.content);
      await utimes(at(e.name), PINNED, PINNED);
      return;
    case "rewrite": // in place: same inode, and mtime pinned again (moby/buildkit#2592)
      if (!(await exists(at(e.name))) || (await lstat(at(e.name))).isSymbolicLink()) return;
      await writeFile(at(e.name), e.content);
      await utimes(at(e.name), PINNED, PINNED);
      return;
    case "delete":
      return rm(at(e.name), { force: true });
    case "chmod":
      if ((await exists(at(e.name))) && !(await lstat(at(e.name))).isSymbolicLink()) await chmod(at(e.name), e.mode);
      return;
    case "rename":
      if (e.from !== e.to && (await exists(at(e.from)))) await rename(at(e.from), at(e.to));
      return;
    case "symlink":
      await rm(at(e.name), { force: true });
      return symlink(e.target, at(e.name));
    case "settle":
      return settle(60);
  }
}

describe("ContextHasher property", async () => {
  const tree = await makeTree({});
  afterAll(tree.cleanup);
  let run = 0;

  it("cached checksum always equals a fresh one after random edits", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 10 }), async (edits) => {
        const dir = path.join(tree.dir, `run${run++}`);
        const ctx = path.join(dir, "ctx");
        await mkdir(path.join(ctx, "d/f"), { recursive: true });
        for (const n of NAMES) await apply(ctx, { op: "write", name: n, content: "xy" });
        await settle(60);
        const cached = await openContextHasher({ contextDir: ctx, statCacheFile: path.join(dir, "stat.json") });
        await cached.checksum(["."]);
        let step = 0;
        for (const e of edits) {
          await apply(ctx, e);
          const got = await cached.checksum(["."]);
          const fresh = await openContextHasher({ contextDir: ctx, statCacheFile: path.join(dir, `fresh${step++}.json`) });
          const want = await fresh.checksum(["."]);
          expect(got.entries).toEqual(want.entries);
          expect(got.digest).toBe(want.digest);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { seed: 4242, numRuns: 40, endOnFailure: true },
    );
  });
});
