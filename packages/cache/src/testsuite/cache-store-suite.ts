import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "@strata/core";
import type { CacheStore } from "../cache-store.js";
import { stepKey } from "../step-key.js";
import { makeTree } from "./fixtures.js";

/**
 * The CacheStore contract, for every implementation: `runCacheStoreSuite("file", openCacheStore)`.
 * A bug in behaviour the contract promises is fixed with a new case here.
 */
export function runCacheStoreSuite(name: string, open: (dir: string) => Promise<CacheStore>): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const tempStore = async (): Promise<CacheStore> => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    return open(path.join(tree.dir, "cache"));
  };

  const layer = (name: string, size: number) => ({ digest: sha256(name), size, mediaType: "application/vnd.oci.image.layer.v1.tar" });

  describe(`CacheStore suite: ${name}`, () => {
    it("saves, looks up, touches, lists and deletes records, one file per key", async () => {
      const store = await tempStore();
      const { key, preimage } = stepKey({ kind: "RUN", definition: { text: "RUN true" } });
      expect(await store.lookup(key)).toBeUndefined();
      const saved = await store.save(key, { snapshot: "snap1", layer: layer("l1", 10), diffId: sha256("d1"), config: { env: ["A=1"] } }, preimage);
      expect(await store.lookup(key)).toEqual(saved);
      expect(await store.preimage(key)).toEqual(JSON.parse(JSON.stringify(preimage)));
      expect(await store.touch(key, new Date("2030-01-01T00:00:00Z"))).toBe(true);
      expect((await store.lookup(key))?.lastUsed).toBe("2030-01-01T00:00:00.000Z");
      expect((await store.list()).map((r) => r.key)).toEqual([key]);
      await store.delete(key);
      expect(await store.lookup(key)).toBeUndefined();
      expect(await store.touch(key)).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it("several keys may point at one result; concurrent saves of one key leave a valid record", async () => {
      const store = await tempStore();
      const fast = stepKey({ kind: "COPY", definition: { text: "COPY . /a" } });
      const slow = stepKey({ kind: "COPY", definition: { text: "COPY . /a" }, inputs: { context: sha256("c") } });
      await Promise.all([store.save(fast.key, { snapshot: "s" }), store.save(slow.key, { snapshot: "s" })]);
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.save(fast.key, { snapshot: "s", config: { i } })));
      expect((await store.lookup(fast.key))?.snapshot).toBe("s");
      expect((await store.list()).length).toBe(2);
    });

    it("refuses a pre-image of another key", async () => {
      const store = await tempStore();
      const a = stepKey({ kind: "RUN", definition: { text: "a" } });
      const b = stepKey({ kind: "RUN", definition: { text: "b" } });
      await expect(store.save(a.key, {}, b.preimage)).rejects.toThrow(/pre-image/);
    });

    it("explains a miss against the last key remembered for the step", async () => {
      const store = await tempStore();
      const def = { text: "RUN make", buildArgs: { VERSION: "1" }, env: ["A=1"], workdir: "/src" };
      const first = stepKey({ kind: "RUN", definition: def, parent: sha256("p1"), inputs: { base: sha256("img1") } });
      expect(await store.explainMiss("Dockerfile#0#1", first.preimage)).toEqual(["no earlier build of this step"]);
      await store.rememberStep("Dockerfile#0#1", first.preimage);
      expect(await store.explainMiss("Dockerfile#0#1", first.preimage)).toEqual([]);
      const next = stepKey({
        kind: "RUN",
        definition: { ...def, text: "RUN make all", buildArgs: { VERSION: "2" }, env: ["A=1", "B=2"], workdir: "/app" },
        parent: sha256("p2"),
        inputs: { base: sha256("img2") },
      });
      expect(await store.explainMiss("Dockerfile#0#1", next.preimage)).toEqual([
        "build-arg VERSION changed",
        "env B added",
        "instruction text changed",
        "workdir changed",
        "base image digest changed",
        "parent step changed",
      ]);
      await store.delete(first.key);
      expect((await store.explainMiss("Dockerfile#0#1", next.preimage))[0]).toMatch(/was pruned/);
    });
  });
}
