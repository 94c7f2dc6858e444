import path from "node:path";
import { mkdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { execa } from "execa";
import { createApplier } from "./applier.js";
import { createDiffer } from "./differ.js";
import { describeTree } from "./testsuite/describe-tree.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { LOWER_TIME, SDE, nativeCopy, overlayFixture } from "./testsuite/trees.js";

const NAMES = ["a", "b", "c"];
const pathArb = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((p) => p.join("/"));
/** Shell steps a RUN could do; failures (e.g. a parent that is a file) are ignored. */
const stepArb = fc.oneof(
  pathArb.map((p) => `mkdir -p $(dirname ${p}) && printf '${p}' > ${p}`),
  pathArb.map((p) => `rm -rf ${p}`),
  pathArb.map((p) => `mkdir -p ${p}`),
  fc.tuple(pathArb, fc.constantFrom("755", "4755", "1777", "600")).map(([p, m]) => `chmod ${m} ${p}`),
  fc.tuple(pathArb, pathArb).map(([p, t]) => `ln -sfn /${t} ${p}`),
  fc.tuple(pathArb, pathArb).map(([p, q]) => `ln ${p} ${q}`),
  pathArb.map((p) => `touch -h -d @${LOWER_TIME} ${p}`),
  pathArb.map((p) => `chown 1000:1000 ${p}`),
  pathArb.map((p) => `setfattr -h -n user.k -v v ${p}`),
  pathArb.map((p) => `rm -rf ${p} && mkdir -p ${p} && printf x > ${p}/a`),
);
const scriptArb = (n: number) => fc.array(stepArb, { minLength: 1, maxLength: n }).map((s) => s.map((x) => `(${x}) 2>/dev/null || true`).join("\n"));

const LOWER = `mkdir -p a/a a/b b c/a/b && printf 1 > a/a/a && printf 2 > a/b/c && printf 3 > b/a && printf 4 > c/a/b/a && ln -s a/a c/b
find . -exec touch -h -d @${LOWER_TIME} {} +`;

describe("overlay and native layers for random changes", () => {
  it("are byte-identical, and applying the layer (plain or overlay) reproduces the changed tree", async () => {
    let runs = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(scriptArb(8), async (script) => {
        const fx = await overlayFixture(LOWER, script);
        try {
          const store = dirContentStore(path.join(fx.dir, "store"));
          const native = await nativeCopy(fx.lower, script, path.join(fx.dir, "native"));
          const differ = createDiffer(store);
          const o = await differ.compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
          const n = await differ.compare(fx.lowerMounts, [{ type: "bind", source: native, options: [] }], { sourceDateEpoch: SDE });
          expect(n.diffId).toBe(o.diffId);
          runs++;
          if (!o.empty) nonEmpty++;
          const exact = await differ.compare(fx.lowerMounts, [{ type: "bind", source: native, options: [] }]);
          const target = path.join(fx.dir, "applied");
          await execa("cp", ["-a", fx.lower, target]);
          await createApplier(store).apply(exact.descriptor, [{ type: "bind", source: target, options: [] }]);
          const want = await describeTree(native);
          expect(await describeTree(target)).toEqual(want);
          const [upper, work, merged] = ["u2", "w2", "m2"].map((d) => path.join(fx.dir, d)) as [string, string, string];
          for (const d of [upper, work, merged]) await mkdir(d);
          const options = [`lowerdir=${fx.lower}`, `upperdir=${upper}`, `workdir=${work}`];
          await createApplier(store).apply(exact.descriptor, [{ type: "overlay", source: "overlay", options }]);
          await execa("mount", ["-t", "overlay", "overlay", "-o", options.join(","), merged]);
          try {
            expect(await describeTree(merged)).toEqual(want);
          } finally {
            await execa("umount", [merged]);
          }
        } finally {
          await fx.cleanup();
        }
      }),
      { numRuns: Number(process.env.STRATA_PROPERTY_RUNS ?? 25), seed: Number(process.env.STRATA_PROPERTY_SEED ?? 20261123), endOnFailure: true },
    );
    expect(nonEmpty).toBeGreaterThan(runs / 2);
  });
});
