import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import { openCacheStore } from "./cache-store.js";
import { pruneCache } from "./prune.js";
import { stepKey } from "./step-key.js";
import { makeTree } from "./testsuite/fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tempStore() {
  const tree = await makeTree({});
  cleanups.push(tree.cleanup);
  return openCacheStore(path.join(tree.dir, "cache"));
}

const layer = (name: string, size: number) => ({ digest: sha256(name), size, mediaType: "application/vnd.oci.image.layer.v1.tar" });

describe("pruneCache", () => {
  it("drops least recently used results until under keepBytes, counting shared results once", async () => {
    const store = await tempStore();
    const key = (n: string) => stepKey({ kind: "RUN", definition: { text: n } }).key;
    const at = (min: number) => new Date(Date.UTC(2030, 0, 1, 0, min)).toISOString();
    await store.save(key("old"), { snapshot: "A", layer: layer("A", 100), lastUsed: at(1) });
    await store.save(key("old-alias"), { snapshot: "A", layer: layer("A", 100), lastUsed: at(5) });
    await store.save(key("mid"), { snapshot: "B", layer: layer("B", 100), lastUsed: at(3) });
    await store.save(key("new"), { snapshot: "C", layer: layer("C", 100), lastUsed: at(9) });
    // A is used at minute 5 through its alias, so B (minute 3) goes first.
    expect((await pruneCache(store, { keepBytes: 200 })).map((r) => r.snapshot)).toEqual(["B"]);
    expect((await pruneCache(store, { keepBytes: 100 })).map((r) => r.key)).toEqual([key("old"), key("mid"), key("old-alias")]);
    const now = new Date(Date.UTC(2030, 0, 1, 0, 10));
    expect((await pruneCache(store, { olderThan: 6 * 60_000, now })).map((r) => r.key)).toEqual([key("old"), key("mid")]);
    expect(await pruneCache(store, {})).toEqual([]);
  });
});
