import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dir, file, flattenImageArchive, hardlink, symlink, writeDockerArchive, writeOciArchive } from "@strata/testkit";
import { ContentComparer } from "../src/layer/content.js";
import { openImage } from "../src/source/open.js";
import { flatten, type FlatTree } from "../src/tree/flatten.js";
import { layers, tempDir } from "./fixtures.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

/** Our flattened tree in the testkit's terms (a hardlink shows its target's content). */
function listing(tree: FlatTree, cmp: ContentComparer) {
  const out = new Map<string, Record<string, unknown>>();
  for (const [p, n] of [...tree.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const e = n.entry;
    const content = n.inode?.entry;
    const row: Record<string, unknown> = { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: content ? content.size : 0 };
    if (content) row.sha256 = cmp.digest(content);
    if (e.link !== undefined) row.linkTarget = e.link;
    out.set(p, row);
  }
  return out;
}

describe("flatten agrees with the testkit's flattening (Docker's whiteout rules) on random layer stacks", () => {
  it.each([
    ["docker-archive", "docker-archive"],
    ["oci-archive (gzip layers)", "oci-archive"],
  ])("%s", async (_name, transport) => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(layers, async (stack) => {
        const file = path.join(tmp.dir, `img-${n++}.tar`);
        if (transport === "oci-archive") await writeOciArchive(file, stack);
        else await writeDockerArchive(file, stack);
        const expected = await flattenImageArchive(file);
        const img = await openImage(`${transport}:${file}`);
        const indexes = [];
        for (let i = 0; i < img.layers.length; i++) indexes.push(await img.layerIndex(i));
        const tree = flatten(indexes);
        const cmp = new ContentComparer();
        const got = listing(tree, cmp);
        cmp.close();
        const want = new Map([...expected.files].map(([p, e]) => [p, { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, ...(e.sha256 ? { sha256: e.sha256 } : {}), ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}) }]));
        expect(got).toEqual(want);
        // Every byte of every layer either survives or is superseded exactly once…
        const total = indexes.reduce((s, l) => s + l.diffSize, 0);
        expect(tree.bytes + tree.superseded.reduce((s, x) => s + x.bytes, 0)).toBe(total);
        // …and what survives is what the testkit's listing holds (without hardlinks, whose
        // sharing that listing cannot show; the hardlink cases are below).
        if (!stack.flat().some((m) => m.type === "hardlink")) {
          const survives = [...expected.files.values()].reduce((s, e) => s + (e.type === "file" ? e.size : e.type === "symlink" ? Buffer.byteLength(e.linkTarget ?? "") : 0), 0);
          expect(tree.bytes).toBe(survives);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("waste accounting", () => {
  async function treeOf(stack: Parameters<typeof writeDockerArchive>[1]) {
    const file = path.join(tmp.dir, `w-${Math.random().toString(36).slice(2)}.tar`);
    await writeDockerArchive(file, stack);
    const img = await openImage(`docker-archive:${file}`);
    const indexes = [];
    for (let i = 0; i < img.layers.length; i++) indexes.push(await img.layerIndex(i));
    return flatten(indexes);
  }

  it("counts each superseded copy once and never the copy that survives", async () => {
    const tree = await treeOf([
      [file("big", "x".repeat(1000)), file("other", "y".repeat(600))],
      [file("big", "z".repeat(400))],
      [file(".wh.other", "")],
    ]);
    expect(tree.superseded.map((s) => [s.path, s.bytes, s.layer, s.by, s.how])).toEqual([
      ["/big", 1000, 0, 1, "overwritten"],
      ["/other", 600, 0, 2, "deleted"],
    ]);
    expect(tree.bytes).toBe(400);
  });

  it("counts a hardlinked file once, and as waste only when its last name goes", async () => {
    const tree = await treeOf([
      [file("orig", "c".repeat(300)), hardlink("alias", "orig")],
      [file(".wh.orig", "")],
      [dir("d/"), file("d/f", "f".repeat(50))],
      [file(".wh.alias", ""), file(".wh.d", "")],
    ]);
    expect(tree.superseded.map((s) => [s.path, s.bytes, s.layer, s.by, s.how])).toEqual([
      ["/orig", 300, 0, 3, "deleted"],
      ["/d/f", 50, 2, 3, "deleted"],
    ]);
    expect(tree.bytes).toBe(0);
  });

  it("drops what was under a directory a file replaces, and what an opaque directory hides", async () => {
    const tree = await treeOf([
      [dir("d/"), file("d/a", "a".repeat(10)), dir("o/"), file("o/b", "b".repeat(20)), symlink("o/l", "target")],
      [file("d", "now a file"), dir("o/"), file("o/.wh..wh..opq", ""), file("o/c", "c")],
    ]);
    expect(tree.superseded.map((s) => [s.path, s.bytes, s.how]).sort()).toEqual([
      ["/d/a", 10, "deleted"],
      ["/o/b", 20, "deleted"],
      ["/o/l", 6, "deleted"],
    ]);
    expect([...tree.nodes.keys()].sort()).toEqual(["/d", "/o", "/o/c"]);
  });
});
