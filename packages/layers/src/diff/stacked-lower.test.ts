import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { withMounted } from "../mount/index.js";
import { joinRel } from "./change.js";
import { stackedLower } from "./stacked-lower.js";
import { plainLower } from "./tree-sources.js";
import type { LowerSource } from "./tree-diff.js";
import { tempDir } from "./testsuite/trees.js";

// Needs root: layers hold overlay whiteouts (mknod) and opaque markers (trusted.* xattrs), and
// the oracle is the kernel's own merge, a real read-only overlay mount of the same layers.

type Op = { path: string; kind: "file" | "dir" | "whiteout" | "opaque" | "symlink" | "xattr" };

const NAMES = ["a", "b", "c"];
const opArb: fc.Arbitrary<Op> = fc.record({
  path: fc.array(fc.constantFrom(...NAMES), { minLength: 0, maxLength: 3 }).map((p) => p.join("/")),
  kind: fc.constantFrom<Op["kind"]>("file", "dir", "whiteout", "opaque", "symlink", "xattr"),
});

/** Applies one op to a layer directory; ops that clash with what the layer already holds are skipped. */
async function apply(layer: string, op: Op, n: number): Promise<void> {
  const abs = op.path === "" ? layer : path.join(layer, op.path);
  const sh = (cmd: string, ...args: string[]) => execa(cmd, args, { reject: false });
  if (op.path === "" && op.kind !== "opaque" && op.kind !== "xattr") return;
  if ((await sh("mkdir", "-p", path.dirname(abs))).exitCode !== 0) return;
  if (op.path !== "") await rm(abs, { recursive: true, force: true }).catch(() => {});
  switch (op.kind) {
    case "file":
      return writeFile(abs, `content ${n}`.repeat(n % 3));
    case "dir":
      return mkdir(abs, { recursive: true }).then(() => {});
    case "whiteout":
      await sh("mknod", abs, "c", "0", "0");
      return;
    case "opaque":
      await mkdir(abs, { recursive: true });
      await sh("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", abs);
      return;
    case "symlink":
      return symlink(`target-${n}`, abs);
    case "xattr":
      if (op.path !== "") await writeFile(abs, "with xattr");
      await sh("setfattr", "-h", "-n", "user.n", "-v", String(n), abs);
      return;
  }
}

/** Everything a lower source shows: each path's type, mode, size, link target and layer xattrs. */
async function describeTree(lower: LowerSource): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const names = await lower.names(rel);
    const rels = names.map((n) => joinRel(rel, n));
    const xattrs = await lower.xattrs(rels);
    for (const r of rels) {
      const m = await lower.meta(r);
      const x = [...(xattrs.get(r) ?? new Map())].map(([k, v]) => `${k}=${v.toString()}`).join(",");
      // The kernel lists a whiteout in a directory that merges with nothing, but cannot look it up.
      if (!m) continue;
      out[r] = `${m.type} ${m.mode.toString(8)} ${m.size} ${m.linkTarget ?? ""} ${x}`;
      if (m.type === "dir") await walk(r);
    }
  };
  await walk("");
  return out;
}

describe("stackedLower (root: mknod, trusted xattrs, overlay mounts)", () => {
  it("merges layer directories exactly as a read-only overlay mount of them does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArb, { maxLength: 8 }), { minLength: 2, maxLength: 4 }), async (layerOps) => {
        const root = await tempDir();
        try {
          const layers: string[] = [];
          for (const [i, ops] of layerOps.entries()) {
            const dir = path.join(root, `l${i}`);
            await mkdir(dir);
            for (const [j, op] of ops.entries()) await apply(dir, op, i * 10 + j);
            layers.push(dir);
          }
          const dirRels = ["", ...NAMES, ...NAMES.flatMap((a) => NAMES.map((b) => `${a}/${b}`))];
          const ours = await describeTree(await stackedLower(layers, dirRels));
          const kernels = await withMounted([{ type: "overlay", source: "overlay", options: [`lowerdir=${layers.join(":")}`] }], async (dir) =>
            describeTree(await plainLower(dir, true)),
          );
          expect(ours).toEqual(kernels);
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });

  it("hides what lies below an opaque directory, and nothing beside it", async () => {
    const root = await tempDir();
    const [top, bottom] = [path.join(root, "top"), path.join(root, "bottom")];
    await mkdir(path.join(top, "only-top"), { recursive: true });
    await mkdir(path.join(bottom, "shared"), { recursive: true });
    await mkdir(path.join(top, "shared"), { recursive: true });
    await writeFile(path.join(bottom, "shared/below"), "x");
    await execa("setfattr", ["-n", "trusted.overlay.opaque", "-v", "y", path.join(top, "shared")]);
    const lower = await stackedLower([top, bottom], ["", "only-top", "shared"]);
    expect(await lower.names("shared")).toEqual([]);
    expect(await lower.meta("shared/below")).toBeUndefined();
    expect((await lower.names("")).sort()).toEqual(["only-top", "shared"]);
    await rm(root, { recursive: true, force: true });
  });
});
