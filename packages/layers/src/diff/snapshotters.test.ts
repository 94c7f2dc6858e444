import path from "node:path";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, type Descriptor, type Digest } from "@strata/core";
import { createNativeSnapshotter, createOverlaySnapshotter, withMounted } from "../snapshot/index.js";
import type { Snapshotter } from "../types.js";
import { createApplier } from "./applier.js";
import { createDiffer } from "./differ.js";
import { unpackLayers } from "./unpack.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { CHANGE_SCRIPT, LOWER_SCRIPT, SDE, sh, tempDir } from "./testsuite/trees.js";

/**
 * The build loop with each real snapshotter: unpack a base image, prepare a step on top,
 * change it the way a RUN would, diff it. Both snapshotters must give the same bytes.
 */
describe("overlay and native snapshotters", () => {
  let dir: string;
  let store: ReturnType<typeof dirContentStore>;
  let base: { layers: Descriptor[]; diffIds: Digest[] };

  beforeAll(async () => {
    dir = await tempDir();
    store = dirContentStore(path.join(dir, "store"));
    // Base image: two layers made by diffing plain directories.
    const scratch = await createNativeSnapshotter(path.join(dir, "scratch"));
    const differ = createDiffer(store);
    const m1 = await scratch.prepare("l1");
    await withMounted(m1, (root) => sh(LOWER_SCRIPT, root));
    const l1 = await differ.compare([], m1, { sourceDateEpoch: SDE });
    await scratch.commit("c1", "l1");
    const m2 = await scratch.prepare("l2", "c1");
    await withMounted(m2, (root) => sh("rm -rf d1/b && mkdir -p extra && printf e > extra/e && touch -d @1577836800 extra extra/e .", root));
    const l2 = await differ.compare(await scratch.view("v1", "c1"), m2, { sourceDateEpoch: SDE });
    base = { layers: [l1.descriptor, l2.descriptor], diffIds: [l1.diffId, l2.diffId] };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function buildStep(snapshotter: Snapshotter): Promise<Digest> {
    const top = await unpackLayers({ snapshotter, applier: createApplier(store), ...base });
    const mounts = await snapshotter.prepare("step", top);
    await withMounted(mounts, (root) => sh(CHANGE_SCRIPT, root));
    const parent = await snapshotter.view("parent", top);
    const layer = await createDiffer(store).compare(parent, mounts, { sourceDateEpoch: SDE });
    await snapshotter.remove("parent");
    await snapshotter.remove("step");
    return layer.diffId;
  }

  it("unpack the same base and produce byte-identical layers for the same step", async () => {
    const native = await buildStep(await createNativeSnapshotter(path.join(dir, "native")));
    const overlay = await buildStep(await createOverlaySnapshotter(path.join(dir, "overlay")));
    expect(overlay).toBe(native);
    expect(native).not.toBe(sha256(Buffer.alloc(1024)));
  });
});
