import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openCacheStore } from "./cache-store.js";
import { stepKey } from "./step-key.js";
import { makeTree } from "./testsuite/fixtures.js";
import { runCacheStoreSuite } from "./testsuite/cache-store-suite.js";

runCacheStoreSuite("file", openCacheStore);

describe("file CacheStore layout", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("keeps one record file and one pre-image file per key, no temp files; a corrupt record is a miss", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const store = await openCacheStore(path.join(tree.dir, "cache"));
    const a = stepKey({ kind: "RUN", definition: { text: "a" } });
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.save(a.key, { snapshot: `s${i}` }, a.preimage)));
    const hex = a.key.slice(7);
    expect((await readdir(store.dir)).sort()).toEqual([`${hex}.json`, `${hex}.pre.json`, "steps"]);
    await writeFile(path.join(store.dir, `${hex}.json`), "{not json");
    expect(await store.lookup(a.key)).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });
});
