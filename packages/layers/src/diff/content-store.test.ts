import path from "node:path";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { openStore } from "@strata/store";
import { createApplier } from "./applier.js";
import { createDiffer } from "./differ.js";
import { describeTree } from "./testsuite/describe-tree.js";
import { CHANGE_SCRIPT, LOWER_SCRIPT, nativeCopy, overlayFixture, type OverlayFixture } from "./testsuite/trees.js";

/** The differ and applier against the real content store of @strata/store. */
describe("with @strata/store's content store", () => {
  let fx: OverlayFixture;
  beforeAll(async () => {
    fx = await overlayFixture(LOWER_SCRIPT, CHANGE_SCRIPT);
  });
  afterAll(() => fx?.cleanup());

  it("commits the layer as a blob whose digest is the diffID, and applies it back", async () => {
    const store = await openStore(path.join(fx.dir, "root"));
    const native = await nativeCopy(fx.lower, CHANGE_SCRIPT, path.join(fx.dir, "native"));
    const layer = await createDiffer(store.content).compare(fx.lowerMounts, [{ type: "bind", source: native, options: [] }]);
    expect(await store.content.info(layer.diffId)).toEqual({ digest: layer.diffId, size: layer.descriptor.size });
    const again = await createDiffer(store.content).compare(fx.lowerMounts, [{ type: "bind", source: native, options: [] }]);
    expect(again.diffId).toBe(layer.diffId); // ALREADY_EXISTS is success
    const target = path.join(fx.dir, "applied");
    await execa("cp", ["-a", fx.lower, target]);
    const { diffId } = await createApplier(store.content).apply(layer.descriptor, [{ type: "bind", source: target, options: [] }]);
    expect(diffId).toBe(layer.diffId);
    expect(await describeTree(target)).toEqual(await describeTree(native));
    await rm(target, { recursive: true, force: true });
  });
});
