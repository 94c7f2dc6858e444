import path from "node:path";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainIds, sha256, type Descriptor, type Digest } from "@strata/core";
import { createNativeSnapshotter } from "../snapshot/index.js";
import { withMounted } from "../mount/index.js";
import { createApplier } from "./applier.js";
import { unpackLayers } from "./unpack.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { buildTar } from "./testsuite/tar-builder.js";
import { TarType } from "./tar-header.js";
import { tempDir } from "./testsuite/trees.js";
import { rm } from "node:fs/promises";
import type { Applier } from "../types.js";

describe("unpackLayers", () => {
  let dir: string;
  let store: ReturnType<typeof dirContentStore>;
  const layers: Descriptor[] = [];
  const diffIds: Digest[] = [];
  beforeAll(async () => {
    dir = await tempDir();
    store = dirContentStore(path.join(dir, "store"));
    const tars = [
      buildTar([{ name: "etc/", type: TarType.dir, mode: 0o755 }, { name: "etc/os", body: "one" }, { name: "gone", body: "x" }]),
      buildTar([{ name: ".wh.gone" }, { name: "etc/", type: TarType.dir, mode: 0o755 }, { name: "etc/os", body: "two" }]),
    ];
    for (const t of tars) {
      const w = await store.writer();
      await w.write(t);
      const info = await w.commit();
      layers.push({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: info.digest, size: info.size });
      diffIds.push(sha256(t));
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("commits one snapshot per chainID, skips existing ones, and returns the top chainID", async () => {
    const snapshotter = await createNativeSnapshotter(path.join(dir, "native"));
    let applied = 0;
    const inner = createApplier(store);
    const applier: Applier = { apply: (l, m, o) => (applied++, inner.apply(l, m, o)) };
    const top = await unpackLayers({ snapshotter, applier, layers, diffIds });
    expect(top).toBe(chainIds(diffIds)[1]);
    expect(applied).toBe(2);
    expect((await snapshotter.stat(top!)).kind).toBe("committed");
    expect(await unpackLayers({ snapshotter, applier, layers, diffIds })).toBe(top);
    expect(applied).toBe(2);
    const view = await snapshotter.view("check", top);
    await withMounted(view, async (root) => {
      expect(await readFile(path.join(root, "etc/os"), "utf8")).toBe("two");
      await expect(readFile(path.join(root, "gone"))).rejects.toThrow();
    });
    await snapshotter.remove("check");
    expect(await unpackLayers({ snapshotter, applier, layers: [], diffIds: [] })).toBeUndefined();
  });

  it("extracts each layer once when stages unpack the same image at the same time", async () => {
    const snapshotter = await createNativeSnapshotter(path.join(dir, "native-parallel"));
    let applied = 0;
    const inner = createApplier(store);
    const applier: Applier = { apply: (l, m, o) => (applied++, inner.apply(l, m, o)) };
    const tops = await Promise.all([1, 2, 3].map(() => unpackLayers({ snapshotter, applier, layers, diffIds })));
    expect(new Set(tops)).toEqual(new Set([chainIds(diffIds)[1]]));
    expect(applied).toBe(2);
  });

  it("refuses a layer whose diffID is not the config's, leaving no snapshot behind", async () => {
    const snapshotter = await createNativeSnapshotter(path.join(dir, "native-bad"));
    const wrong = [diffIds[0]!, sha256("not this")] as Digest[];
    await expect(unpackLayers({ snapshotter, applier: createApplier(store), layers, diffIds: wrong })).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    const names: string[] = [];
    await snapshotter.walk((i) => void names.push(i.name));
    expect(names).toEqual([diffIds[0]]);
  });
});
