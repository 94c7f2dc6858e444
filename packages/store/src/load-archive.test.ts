import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import * as tar from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MediaType, sha256, type ImageConfig } from "@strata/core";
import { loadArchive, openStore, readImage, type Store } from "./index.js";
import { configFor, makeDockerArchive, makeLayer, makeLegacyArchive, makeTmp, type LayerFixture } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
let store: Store;
let l1: LayerFixture;
let l2: LayerFixture;
beforeEach(async () => {
  tmp = await makeTmp();
  store = await openStore(path.join(tmp.dir, "root"));
  l1 = await makeLayer(tmp.dir, "l1", { "bin/sh": "#!fake shell\n", "etc/os-release": "ID=test\n" });
  l2 = await makeLayer(tmp.dir, "l2", { "app/main.js": "console.log(1)\n".repeat(1000) });
});
afterEach(() => tmp.cleanup());

async function expectLayers(name: string, layers: LayerFixture[]) {
  const img = await readImage(store, name);
  expect(img.manifest.layers.map((l) => l.digest)).toEqual(layers.map((l) => l.diffId));
  expect(img.manifest.layers.every((l) => l.mediaType === MediaType.ociLayer)).toBe(true);
  for (const l of layers) expect(await store.content.readBytes(l.diffId)).toEqual(l.bytes);
  return img;
}

describe("loadArchive: docker-archive", () => {
  it("loads the pre-25 layout with manifest.json last, keeping the image ID", async () => {
    const { file, configDigest } = await makeDockerArchive(tmp.dir, { layers: [l1, l2], tags: ["acme/app:1.0", "acme/app:latest"] });
    const { images } = await loadArchive(store, file);
    expect(images.map((i) => [i.name, i.configDigest])).toEqual([
      ["docker.io/acme/app:1.0", configDigest],
      ["docker.io/acme/app:latest", configDigest],
    ]);
    const img = await expectLayers("acme/app:1.0", [l1, l2]);
    expect(img.configDigest).toBe(configDigest);
    expect((await readImage(store, "acme/app")).manifestDesc.digest).toBe(img.manifestDesc.digest);
  });

  it("decompresses gzip layers, follows symlinked duplicate layers, reads a gzipped archive", async () => {
    const { file, configDigest } = await makeDockerArchive(tmp.dir, {
      layers: [l1, l2, l1],
      tags: ["dup:1"],
      gzipLayers: true,
      gzipArchive: true,
    });
    await loadArchive(store, file);
    const img = await expectLayers("dup:1", [l1, l2, l1]);
    expect(img.configDigest).toBe(configDigest);
  });

  it("loads the Docker 25+ blobs/ layout, including gzip blobs named by their compressed digest", async () => {
    const dir = path.join(tmp.dir, "d25");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
    const config = Buffer.from(JSON.stringify(configFor([l1, l2])));
    const gz = gzipSync(l2.bytes);
    const blobs: [string, Buffer][] = [
      [sha256(config), config],
      [l1.diffId, l1.bytes],
      [sha256(gz), gz],
    ];
    for (const [d, b] of blobs) await writeFile(path.join(dir, "blobs", "sha256", d.slice(7)), b);
    const p = (d: string) => `blobs/sha256/${d.slice(7)}`;
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify([{ Config: p(sha256(config)), RepoTags: ["d25:1"], Layers: [p(l1.diffId), p(sha256(gz))] }]));
    await writeFile(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    const file = path.join(tmp.dir, "d25.tar");
    await tar.c({ cwd: dir, file }, ["blobs", "index.json", "manifest.json", "oci-layout"]);
    const { images } = await loadArchive(store, file);
    expect(images.map((i) => [i.name, i.configDigest])).toEqual([["docker.io/library/d25:1", sha256(config)]]);
    await expectLayers("d25:1", [l1, l2]);

    // A blob whose content does not match its blobs/sha256/<hex> name is refused.
    await writeFile(path.join(dir, "blobs", "sha256", sha256(gz).slice(7)), gzipSync(Buffer.concat([l2.bytes, Buffer.alloc(512)])));
    await tar.c({ cwd: dir, file }, ["blobs", "index.json", "manifest.json", "oci-layout"]);
    await expect(loadArchive(store, file)).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });

  it("loads an image without tags as an untagged image reachable by ID", async () => {
    const { file, configDigest } = await makeDockerArchive(tmp.dir, { layers: [l1], tags: [] });
    const { images } = await loadArchive(store, file);
    expect(images).toEqual([{ manifestDesc: expect.any(Object), configDigest }]);
    expect((await readImage(store, configDigest.slice(7, 19))).configDigest).toBe(configDigest);
  });

  it("rejects a layer whose content does not match rootfs.diff_ids", async () => {
    const config: ImageConfig = configFor([l1, l2]);
    config.rootfs.diff_ids[1] = sha256("something else");
    const { file } = await makeDockerArchive(tmp.dir, { layers: [l1, l2], tags: ["bad:1"], config });
    await expect(loadArchive(store, file)).rejects.toMatchObject({
      code: "DIGEST_MISMATCH",
      message: expect.stringContaining("layer 2: diffID mismatch"),
    });
    await expect(store.images.get("bad:1")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("rejects a truncated or non-tar file clearly", async () => {
    const { file } = await makeDockerArchive(tmp.dir, { layers: [l1, l2], tags: ["t:1"] });
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(file);
    const cut = path.join(tmp.dir, "cut.tar");
    await writeFile(cut, bytes.subarray(0, 3000));
    await expect(loadArchive(store, cut)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining(cut) });
    const junk = path.join(tmp.dir, "junk.tar");
    await writeFile(junk, "not a tar at all".repeat(100));
    await expect(loadArchive(store, junk)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining(junk) });
    await expect(loadArchive(store, path.join(tmp.dir, "missing.tar"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("loadArchive: legacy pre-1.10 layout", () => {
  it("content-addresses layers and builds config and history from the v1 chain", async () => {
    const { file, ids } = await makeLegacyArchive(
      tmp.dir,
      [
        { layer: l1, cmd: ["/bin/sh", "-c", "#(nop) ADD file:abc in /"] },
        { cmd: ["/bin/sh", "-c", "#(nop) ENV A=<b>"], throwaway: true },
        { layer: l2, cmd: ["/bin/sh", "-c", "make"], config: { Cmd: ["app"], Env: ["A=<b>"] } },
      ],
      ["old/app", "v1"],
    );
    const { images } = await loadArchive(store, file);
    expect(images[0]!.name).toBe("docker.io/old/app:v1");
    const img = await expectLayers("old/app:v1", [l1, l2]);
    expect(img.config.rootfs).toEqual({ type: "layers", diff_ids: [l1.diffId, l2.diffId] });
    expect(img.config.config).toEqual({ Cmd: ["app"], Env: ["A=<b>"] });
    expect(img.config).toMatchObject({ architecture: "amd64", os: "linux", created: "2015-03-01T00:00:00Z" });
    expect(img.config.history).toEqual([
      { created: "2015-01-01T00:00:00Z", created_by: "/bin/sh -c #(nop) ADD file:abc in /" },
      { created: "2015-02-01T00:00:00Z", created_by: "/bin/sh -c #(nop) ENV A=<b>", empty_layer: true },
      { created: "2015-03-01T00:00:00Z", created_by: "/bin/sh -c make" },
    ]);
    const raw = (await store.content.readBytes(img.configDigest)).toString();
    expect(raw).not.toMatch(/"(id|parent|Size)"/);
    expect(raw).toContain("\\u003cb\\u003e"); // Go's HTML escaping, as Docker wrote it
    expect(ids).toHaveLength(3);
  });
});

describe("loadArchive: OCI image layout", () => {
  it("loads gzip and zstd layouts written by skopeo, checking diffIDs", async () => {
    const { file } = await makeDockerArchive(tmp.dir, { layers: [l1, l2], tags: ["src:1"] });
    const src = await openStore(path.join(tmp.dir, "src-root"));
    const [{ configDigest }] = (await loadArchive(src, file)).images;
    for (const format of ["gzip", "zstd"]) {
      const out = path.join(tmp.dir, `skopeo-${format}.tar`);
      await execa("skopeo", [
        "copy",
        "--dest-compress",
        "--dest-compress-format",
        format,
        `oci:${src.root}:docker.io/library/src:1`,
        `oci-archive:${out}:docker.io/acme/from-skopeo:${format}`,
      ]);
      const { images } = await loadArchive(store, out);
      expect(images.map((i) => [i.name, i.configDigest])).toEqual([[`docker.io/acme/from-skopeo:${format}`, configDigest]]);
      await expectLayers(`acme/from-skopeo:${format}`, [l1, l2]);
    }
  });

  it("rejects a compressed blob whose digest differs from the descriptor", async () => {
    const dir = path.join(tmp.dir, "oci");
    const gz = gzipSync(l1.bytes);
    const config = Buffer.from(JSON.stringify(configFor([l1])));
    const wrong = sha256("not the layer");
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
        layers: [{ mediaType: MediaType.ociLayerGzip, digest: wrong, size: gz.length }],
      }),
    );
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
    await writeFile(path.join(dir, "blobs", "sha256", wrong.slice(7)), gz);
    await writeFile(path.join(dir, "blobs", "sha256", sha256(config).slice(7)), config);
    await writeFile(path.join(dir, "blobs", "sha256", sha256(manifest).slice(7)), manifest);
    await writeFile(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    const index = { schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest: sha256(manifest), size: manifest.length }] };
    await writeFile(path.join(dir, "index.json"), JSON.stringify(index));
    const file = path.join(tmp.dir, "bad-oci.tar");
    await tar.c({ cwd: dir, file }, ["oci-layout", "index.json", "blobs"]);
    await expect(loadArchive(store, file)).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });
});
