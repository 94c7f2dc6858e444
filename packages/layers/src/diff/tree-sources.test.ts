import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./testsuite/trees.js";
import { listingsReadOnce, plainUpper } from "./tree-sources.js";
import type { UpperSource } from "./tree-diff.js";

/** A real directory as the upper tree, counting how often each directory is read. */
async function countedUpper(): Promise<{ root: string; upper: UpperSource; reads: Map<string, number> }> {
  const root = await tempDir();
  await mkdir(path.join(root, "a/b"), { recursive: true });
  for (const f of ["a/1", "a/2", "a/b/3"]) await writeFile(path.join(root, f), f);
  const real = await plainUpper(root);
  const reads = new Map<string, number>();
  const upper: UpperSource = {
    list: (rel, dir, complete) => {
      reads.set(dir, (reads.get(dir) ?? 0) + 1);
      return real.list(rel, dir, complete);
    },
  };
  return { root, upper, reads };
}

describe("listingsReadOnce", () => {
  it("hands the second walk the first walk's listing, then reads afresh", async () => {
    const { root, upper, reads } = await countedUpper();
    const once = listingsReadOnce(upper);
    const dir = path.join(root, "a");
    const first = await once.list("a", dir, true);
    expect((await once.list("a", dir, true)).entries.map((e) => e.name)).toEqual(first.entries.map((e) => e.name));
    expect(reads.get(dir)).toBe(1);
    await once.list("a", dir, true); // a third reader is not expected: it reads the directory again
    expect(reads.get(dir)).toBe(2);
  });

  it("stops remembering past its entry budget", async () => {
    const { root, upper, reads } = await countedUpper();
    const once = listingsReadOnce(upper, 1);
    const dir = path.join(root, "a"); // 3 entries: over the budget of 1
    await once.list("a", dir, true);
    await once.list("a", dir, true);
    expect(reads.get(dir)).toBe(2);
  });
});
