import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImageArchive, writeDockerArchive, type FileEntry } from "@strata/testkit";
import { compareImages } from "../src/compare/compare.js";
import { LayerReader } from "../src/source/image-source.js";
import { openImage } from "../src/source/open.js";
import { layer, layers, tempDir } from "./fixtures.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

/** The file differences of two testkit listings, in compare's terms (hardlinks count as the file they link to). */
function expectedChanges(a: Map<string, FileEntry>, b: Map<string, FileEntry>) {
  const type = (e: FileEntry) => (e.type === "hardlink" && e.sha256 ? "file" : e.type);
  const out: [string, string, string[]][] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (!x) out.push([p, "added", []]);
    else if (!y) out.push([p, "removed", []]);
    else if (type(x) !== type(y)) out.push([p, "changed", ["type"]]);
    else {
      const what: string[] = [];
      const t = type(x);
      if (t === "file" && (x.sha256 !== y.sha256 || x.size !== y.size)) what.push("content");
      if (x.mode !== y.mode) what.push("mode");
      if (x.uid !== y.uid || x.gid !== y.gid) what.push("owner");
      if (t === "symlink" && x.linkTarget !== y.linkTarget) what.push("link");
      const hl = (e: FileEntry) => (e.type === "hardlink" ? e.linkTarget : undefined);
      if (t === "file" && hl(x) !== hl(y)) what.push("hardlink");
      if (what.length) out.push([p, "changed", what]);
    }
  }
  return out;
}

describe("compare's file listing equals one made by flattening both images with the testkit", () => {
  it("on random pairs of images sharing a random base", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(layers, fc.array(layer, { maxLength: 3 }), fc.array(layer, { maxLength: 3 }), async (base, restA, restB) => {
        const fa = path.join(tmp.dir, `a-${n}.tar`);
        const fb = path.join(tmp.dir, `b-${n++}.tar`);
        await writeDockerArchive(fa, [...base, ...restA]);
        await writeDockerArchive(fb, [...base, ...restB]);
        const reader = new LayerReader();
        const report = await compareImages(await openImage(`docker-archive:${fa}`, { reader }), await openImage(`docker-archive:${fb}`, { reader }), { ignoreTimestamps: true });
        const want = expectedChanges((await flattenImageArchive(fa)).files, (await flattenImageArchive(fb)).files);
        expect(report.files.changes.map((c) => [c.path, c.change, c.what])).toEqual(want);
        expect(report.sharedBase.layers).toBeGreaterThanOrEqual(base.length);
        if (JSON.stringify(restA) === JSON.stringify(restB)) expect(report.identical).toBe(true);
        if (want.length > 0) expect(report.identical).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
