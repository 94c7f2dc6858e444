import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import * as tar from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MediaType, sha256 } from "@strata/core";
import { loadArchive, openStore, readImage, saveArchive, type Store } from "./index.js";
import { buildChildModules, runScript } from "./testsuite/child.js";
import { makeDockerArchive, makeLayer, makeTmp, readTar, type LayerFixture } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
let store: Store;
let layers: LayerFixture[];
let configDigest: string;
beforeEach(async () => {
  tmp = await makeTmp();
  store = await openStore(path.join(tmp.dir, "root"));
  layers = [
    await makeLayer(tmp.dir, "base", { "bin/hello": "hello\n", "etc/passwd": "root:x:0:0::/root:/bin/sh\n" }),
    await makeLayer(tmp.dir, "app", { "app/data.txt": "payload ".repeat(5000) }),
  ];
  const made = await makeDockerArchive(tmp.dir, { layers, tags: ["acme/app:1.0", "busybox:latest"] });
  configDigest = made.configDigest;
  await loadArchive(store, made.file);
});
afterEach(() => tmp.cleanup());

describe("saveArchive: docker", () => {
  it("writes the Docker 25 layout that loads back with the same image ID", async () => {
    const out = path.join(tmp.dir, "out.tar");
    await saveArchive(store, ["acme/app:1.0", "busybox"], out, { format: "docker" });
    const entries = await readTar(out);
    const manifest = JSON.parse(entries.get("manifest.json")!.toString());
    expect(manifest).toEqual([
      {
        Config: `blobs/sha256/${configDigest.slice(7)}`,
        RepoTags: ["acme/app:1.0", "busybox:latest"],
        Layers: layers.map((l) => `blobs/sha256/${l.diffId.slice(7)}`),
      },
    ]);
    expect(JSON.parse(entries.get("repositories")!.toString())).toEqual({
      "acme/app": { "1.0": layers[1]!.diffId.slice(7) },
      busybox: { latest: layers[1]!.diffId.slice(7) },
    });
    expect(JSON.parse(entries.get("oci-layout")!.toString())).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(sha256(entries.get(`blobs/sha256/${configDigest.slice(7)}`)!)).toBe(configDigest);
    await expect(stat(`${out}.tmp`)).rejects.toMatchObject({ code: "ENOENT" });

    const other = await openStore(path.join(tmp.dir, "other"));
    const { images } = await loadArchive(other, out);
    expect(images.map((i) => [i.name, i.configDigest])).toEqual([
      ["docker.io/acme/app:1.0", configDigest],
      ["docker.io/library/busybox:latest", configDigest],
    ]);
    expect((await readImage(other, "acme/app:1.0")).manifestDesc).toEqual((await readImage(store, "acme/app:1.0")).manifestDesc);

    // The same file is an OCI layout that skopeo can read.
    const { stdout } = await execa("skopeo", ["inspect", "--raw", `oci-archive:${out}:latest`]);
    expect(JSON.parse(stdout).config.digest).toBe(configDigest);
  });

  it("saves by image ID without tags", async () => {
    const out = path.join(tmp.dir, "by-id.tar");
    await saveArchive(store, [configDigest.slice(7, 19)], out, { format: "docker" });
    const manifest = JSON.parse((await readTar(out)).get("manifest.json")!.toString());
    expect(manifest[0].RepoTags).toBeNull();
    const other = await openStore(path.join(tmp.dir, "other"));
    expect((await loadArchive(other, out)).images).toEqual([{ manifestDesc: expect.any(Object), configDigest }]);
  });

  it("fails clearly for an unknown image and leaves no file", async () => {
    const out = path.join(tmp.dir, "none.tar");
    await expect(saveArchive(store, ["nope:1"], out, { format: "docker" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stat(out)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("saveArchive: oci", () => {
  for (const compression of ["gzip", "zstd", "none"] as const) {
    it(`writes ${compression} layers that skopeo inspects and umoci unpacks`, async () => {
      const out = path.join(tmp.dir, `oci-${compression}.tar`);
      await saveArchive(store, ["acme/app:1.0"], out, { format: "oci", compression });
      const ref = "docker.io/acme/app:1.0";
      const raw = JSON.parse((await execa("skopeo", ["inspect", "--raw", `oci-archive:${out}:${ref}`])).stdout);
      const expectType = { gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd, none: MediaType.ociLayer }[compression];
      expect(raw.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([expectType, expectType]);
      expect(raw.config.digest).toBe(configDigest);
      // One image with one name: skopeo needs no reference at all.
      const info = JSON.parse((await execa("skopeo", ["inspect", `oci-archive:${out}`])).stdout);
      expect(info.Layers).toHaveLength(2);

      const layout = path.join(tmp.dir, `layout-${compression}`);
      await mkdir(layout);
      await tar.x({ file: out, cwd: layout });
      const bundle = path.join(tmp.dir, `bundle-${compression}`);
      if (compression === "zstd") {
        // Debian 12's umoci 0.4.7 predates zstd layers; check the blobs with the zstd tool instead.
        for (const [i, l] of raw.layers.entries()) {
          const { stdout } = await execa("zstd", ["-d", "-c", path.join(layout, "blobs", "sha256", l.digest.slice(7))], { encoding: "buffer" });
          expect(sha256(stdout)).toBe(layers[i]!.diffId);
        }
      } else {
        await execa("umoci", ["unpack", "--rootless", "--image", `${layout}:${ref}`, bundle]);
        expect(await readFile(path.join(bundle, "rootfs", "bin", "hello"), "utf8")).toBe("hello\n");
        expect(await readFile(path.join(bundle, "rootfs", "app", "data.txt"), "utf8")).toBe("payload ".repeat(5000));
      }

      // And it loads back: layers decompressed, diffIDs checked, same image ID.
      const other = await openStore(path.join(tmp.dir, `other-${compression}`));
      const { images } = await loadArchive(other, out);
      expect(images.map((i) => [i.name, i.configDigest])).toEqual([[ref, configDigest]]);
    });
  }

  it("falls back to in-process gzip when pigz is not installed", async () => {
    await chmod(tmp.dir, 0o755);
    const mods = await buildChildModules(path.join(tmp.dir, "mods"));
    const out = path.join(tmp.dir, "no-pigz.tar");
    await runScript(
      tmp.dir,
      "no-pigz.mjs",
      `import { openStore, saveArchive } from ${JSON.stringify(mods)};
       await saveArchive(await openStore(${JSON.stringify(store.root)}), ["acme/app:1.0"], ${JSON.stringify(out)}, { format: "oci" });`,
      { env: { PATH: "/nonexistent" }, extendEnv: false },
    );
    const raw = JSON.parse((await execa("skopeo", ["inspect", "--raw", `oci-archive:${out}`])).stdout);
    expect(raw.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([MediaType.ociLayerGzip, MediaType.ociLayerGzip]);
    const other = await openStore(path.join(tmp.dir, "other-no-pigz"));
    expect((await loadArchive(other, out)).images[0]!.configDigest).toBe(configDigest);
  });
});
