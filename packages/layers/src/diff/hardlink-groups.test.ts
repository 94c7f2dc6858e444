import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDiffer } from "./differ.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { LOWER_TIME, SDE, nativeCopy, overlayFixture, tarListing } from "./testsuite/trees.js";

describe("a new hardlink to an unchanged lower file", () => {
  it("writes the old name with the data and the new one as a link, from overlay and native alike", async () => {
    const lower = `mkdir bin && printf busybox > bin/busybox && printf x > bin/other && find . -exec touch -h -d @${LOWER_TIME} {} +`;
    const change = "ln bin/busybox bin/sh";
    const fx = await overlayFixture(lower, change);
    try {
      const store = dirContentStore(path.join(fx.dir, "store"));
      const native = await nativeCopy(fx.lower, change, path.join(fx.dir, "native"));
      const differ = createDiffer(store);
      const o = await differ.compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
      const n = await differ.compare(fx.lowerMounts, [{ type: "bind", source: native, options: [] }], { sourceDateEpoch: SDE });
      expect(n.diffId).toBe(o.diffId);
      const names = (await tarListing(store.blobPath(o.diffId))).map((l) => l.split(/\s+/).slice(0, 3).concat(l.split(/\s+/).slice(5)).join(" "));
      expect(names).toEqual([
        "drwxr-xr-x 0/0 0 bin/",
        "-rw-r--r-- 0/0 7 bin/busybox",
        "hrw-r--r-- 0/0 0 bin/sh link to bin/busybox",
      ]);
    } finally {
      await fx.cleanup();
    }
  });
});
