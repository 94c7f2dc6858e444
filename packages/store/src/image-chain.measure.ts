import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaType, type Descriptor, type ImageConfig } from "@strata/core";
import { openStore, writeImage, writeImages, PARENT_ANNOTATION, type Store } from "./index.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * What recording a build's step images costs: a five-step result written as before (its config,
 * manifest and tag) against the same result with an image per step (six configs and manifests
 * written concurrently, one index update). A measurement, not a test: `npm run bench:micro`.
 */
describe("step images: cost of writing a build result", () => {
  let dir: string;
  let store: Store;
  const layers: Descriptor[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "strata-chain-measure-"));
    store = await openStore(dir);
    for (let i = 0; i < 6; i++) layers.push({ mediaType: MediaType.ociLayer, ...(await store.content.put(Buffer.alloc(1024, i))) });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const config = (n: number, salt: string): ImageConfig => ({
    architecture: "amd64",
    os: "linux",
    created: "2020-01-01T00:00:00Z",
    config: { Env: ["PATH=/bin", `SALT=${salt}`] },
    rootfs: { type: "layers", diff_ids: layers.slice(0, n).map((l) => l.digest) },
    history: layers.slice(0, n).map((_, i) => ({ created: "2020-01-01T00:00:00Z", created_by: `RUN step ${i} ${salt}` })),
  });

  it("final image only vs final + 5 step images", async () => {
    const before: number[] = [];
    const now: number[] = [];
    for (let r = 0; r < Number(process.env.ROUNDS ?? 20); r++) {
      let t = performance.now();
      const w = await writeImage(store, { config: config(6, `old${r}`), layers });
      await store.images.put(`old:${r}`, w.manifest);
      before.push(performance.now() - t);
      t = performance.now();
      const written = await writeImages(store, [1, 2, 3, 4, 5, 6].map((n) => ({ config: config(n, `new${r}`), layers: layers.slice(0, n) })));
      await store.images.putImages([
        ...written.slice(0, -1).map((x, i) => ({ target: { ...x.manifest, annotations: i ? { [PARENT_ANNOTATION]: written[i - 1]!.configDigest } : {} } })),
        { name: `new:${r}`, target: written.at(-1)!.manifest },
      ]);
      now.push(performance.now() - t);
    }
    console.log(`build result: ${median(before).toFixed(1)} ms without step images, ${median(now).toFixed(1)} ms with 5 (medians)`);
    expect(now.length).toBe(before.length);
  });
});
