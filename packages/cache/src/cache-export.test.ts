import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256, type Digest } from "@strata/core";
import { exportCache, importCache } from "./cache-export.js";
import { openCacheStore } from "./cache-store.js";
import { stepKey } from "./step-key.js";
import { makeTree } from "./testsuite/fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("cache export/import as an OCI layout", () => {
  it("round-trips records, shared layers once, and pre-images", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const blobs = new Map<Digest, Buffer>();
    const blob = (text: string) => {
      const b = Buffer.from(text);
      blobs.set(sha256(b), b);
      return { digest: sha256(b), size: b.length, mediaType: "application/vnd.oci.image.layer.v1.tar" };
    };
    const src = await openCacheStore(path.join(tree.dir, "src"));
    const a = stepKey({ kind: "RUN", definition: { text: "RUN a" } });
    const alias = stepKey({ kind: "RUN", definition: { text: "RUN a" }, inputs: { context: sha256("x") } });
    const meta = stepKey({ kind: "ENV", definition: { text: "ENV A=1" } });
    await src.save(a.key, { snapshot: "local-snap", layer: blob("layer-1"), diffId: sha256("d1") }, a.preimage);
    await src.save(alias.key, { snapshot: "local-snap", layer: blob("layer-1"), diffId: sha256("d1") }, alias.preimage);
    await src.save(meta.key, { config: { Env: ["A=1"] } }, meta.preimage);

    const out = path.join(tree.dir, "export");
    let fetched = 0;
    const manifest = await exportCache({ dir: out, store: src, getBlob: async (d) => (fetched++, blobs.get(d.digest)!) });
    expect(fetched).toBe(1);
    const index = JSON.parse(await readFile(path.join(out, "index.json"), "utf8"));
    expect(index.manifests[0]).toMatchObject({ digest: manifest.digest, annotations: { "org.opencontainers.image.ref.name": "cache" } });

    const dst = await openCacheStore(path.join(tree.dir, "dst"));
    const received: string[] = [];
    const imported = await importCache({
      dir: out,
      store: dst,
      putBlob: async (d, data) => {
        const chunks: Buffer[] = [];
        for await (const c of data) chunks.push(Buffer.from(c));
        expect(sha256(Buffer.concat(chunks))).toBe(d.digest);
        received.push(d.digest);
      },
    });
    expect(imported.map((r) => r.key).sort()).toEqual([a.key, alias.key, meta.key].sort());
    expect(received).toEqual([sha256("layer-1")]);
    const hit = await dst.lookup(a.key);
    expect(hit).toMatchObject({ layer: { digest: sha256("layer-1") }, diffId: sha256("d1") });
    expect(hit?.snapshot).toBeUndefined(); // snapshot names are local: the builder applies the layer
    expect((await dst.lookup(meta.key))?.config).toEqual({ Env: ["A=1"] });
    expect(await dst.preimage(alias.key)).toEqual(JSON.parse(JSON.stringify(alias.preimage)));
    // Importing again changes nothing.
    expect(await importCache({ dir: out, store: dst, putBlob: async () => {} })).toEqual([]);
  });

  it("refuses a layer whose bytes do not match its descriptor", async () => {
    const tree = await makeTree({});
    cleanups.push(tree.cleanup);
    const store = await openCacheStore(path.join(tree.dir, "src"));
    const k = stepKey({ kind: "RUN", definition: { text: "RUN a" } });
    await store.save(k.key, { layer: { digest: sha256("right"), size: 5, mediaType: "x" } });
    await expect(exportCache({ dir: path.join(tree.dir, "out"), store, getBlob: async () => Buffer.from("wrong") })).rejects.toThrow(/expected/);
  });
});
