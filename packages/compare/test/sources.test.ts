import { createReadStream } from "node:fs";
import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTar, dir, file, writeDockerArchive, writeOciArchive } from "@strata/testkit";
import { indexLayerFile, indexLayerStream } from "../src/layer/read-layer.js";
import { openImage, parseImageSpec } from "../src/source/open.js";
import { layer, tempDir } from "./fixtures.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

const layers = [[dir("app/"), file("app/a", "aaa")], [file("app/b", "bbbb")]];
const indexAll = async (arg: string) => {
  const img = await openImage(arg);
  for (let i = 0; i < img.layers.length; i++) await img.layerIndex(i);
  return img;
};

describe("image specs", () => {
  it("read skopeo's transports, paths and store references", () => {
    expect(parseImageSpec("docker-archive:/nope/x.tar:app:1")).toEqual({ transport: "docker-archive", file: "/nope/x.tar", ref: "app:1" });
    expect(parseImageSpec("oci:/nope/dir")).toEqual({ transport: "oci", dir: "/nope/dir" });
    expect(parseImageSpec("busybox:latest")).toEqual({ transport: "store", ref: "busybox:latest" });
    expect(parseImageSpec("acme/app:1.0")).toEqual({ transport: "store", ref: "acme/app:1.0" });
  });

  it("refuse transports strata cannot read, naming them", () => {
    expect(() => parseImageSpec("docker://busybox")).toThrow('docker://busybox: transport "docker" is not supported');
    expect(() => parseImageSpec("containers-storage:x")).toThrow(/transport "containers-storage" is not supported/);
  });
});

describe("archives and layouts", () => {
  it("open a docker-archive (both layouts) and an OCI layout tar, checking every digest", async () => {
    const legacy = path.join(tmp.dir, "legacy.tar");
    const blobs = path.join(tmp.dir, "blobs.tar");
    const oci = path.join(tmp.dir, "oci.tar");
    await writeDockerArchive(legacy, layers);
    await writeDockerArchive(blobs, layers, { layout: "blobs", gzip: true });
    await writeOciArchive(oci, layers);
    for (const arg of [`docker-archive:${legacy}`, `docker-archive:${blobs}`, `oci-archive:${oci}`, legacy, oci]) {
      const img = await indexAll(arg);
      expect(img.layers).toHaveLength(2);
      expect((await img.layerIndex(1)).entries.map((e) => e.path)).toEqual(["/app/b"]);
    }
    expect((await openImage(legacy)).transport).toBe("docker-archive");
    expect((await openImage(oci)).transport).toBe("oci-archive");
  });

  it("pick one image of several by name, and say which there are otherwise", async () => {
    const two = path.join(tmp.dir, "two.tar");
    const one = buildTar([file("x", "1")]);
    const manifest = [
      { Config: "c1.json", RepoTags: ["app:1"], Layers: ["l.tar"] },
      { Config: "c2.json", RepoTags: ["app:2"], Layers: ["l.tar"] },
    ];
    const cfg = (cmd: string) => Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: [cmd] }, rootfs: { type: "layers", diff_ids: [one.digest] }, history: [{ created_by: cmd }] }));
    await writeFile(two, buildTar([file("l.tar", one.bytes.toString("latin1")), { ...file("c1.json", ""), data: cfg("one") }, { ...file("c2.json", ""), data: cfg("two") }, file("manifest.json", JSON.stringify(manifest))]).bytes);
    await expect(openImage(`docker-archive:${two}`)).rejects.toThrow(`archive ${two}: holds 2 images (app:1, app:2); name one as docker-archive:FILE:NAME`);
    expect((await openImage(`docker-archive:${two}:app:2`)).config.config.Cmd).toEqual(["two"]);
    expect((await openImage(`docker-archive:${two}:@0`)).config.config.Cmd).toEqual(["one"]);
    await expect(openImage(`docker-archive:${two}:app:3`)).rejects.toThrow(/no image app:3 in the archive/);
  });

  it("fail on a truncated archive, naming it", async () => {
    const f = path.join(tmp.dir, "cut.tar");
    await writeDockerArchive(f, layers);
    const size = (await readFile(f)).length;
    await truncate(f, Math.floor(size / 2) + 100);
    await expect(openImage(`docker-archive:${f}`)).rejects.toThrow(new RegExp(`^archive ${f}: not a valid tar archive \\(truncated`));
  });

  it("fail on a layer whose content does not match its diffID, and on a config whose digest does not match", async () => {
    const f = path.join(tmp.dir, "tampered.tar");
    await writeDockerArchive(f, layers);
    const bytes = await readFile(f);
    const at = bytes.indexOf("bbbb");
    bytes.write("BBBB", at);
    await writeFile(f, bytes);
    await expect(indexAll(`docker-archive:${f}`)).rejects.toThrow(/layer 2 \(.*layer\.tar\): diffID mismatch: the config says sha256:\w+, the uncompressed layer is sha256:\w+/);

    const g = path.join(tmp.dir, "tampered-config.tar");
    await writeDockerArchive(g, layers);
    const cfg = await readFile(g);
    cfg.write('"arm64"', cfg.indexOf('"amd64"'));
    await writeFile(g, cfg);
    await expect(openImage(`docker-archive:${g}`)).rejects.toThrow(/\.json: digest mismatch: expected sha256:\w+, the content is sha256:\w+/);
  });

  it("fail on an OCI manifest whose digest does not match", async () => {
    const f = path.join(tmp.dir, "oci-tampered.tar");
    await writeOciArchive(f, layers);
    const bytes = await readFile(f);
    const at = bytes.indexOf('"schemaVersion":2');
    bytes.write('"schemaVersion":3', at);
    await writeFile(f, bytes);
    await expect(openImage(`oci-archive:${f}`)).rejects.toThrow(/blobs\/sha256\/\w+: digest mismatch/);
  });

  it("fail on an image without history, and on a history that does not account for the layers", async () => {
    const f = path.join(tmp.dir, "nohistory.tar");
    await writeDockerArchive(f, layers, { history: null });
    await expect(openImage(`docker-archive:${f}`)).rejects.toThrow(`archive ${f}: the image has no history (its config lists no history entries)`);
    await writeDockerArchive(f, layers, { history: [{ created_by: "only one" }] });
    await expect(openImage(`docker-archive:${f}`)).rejects.toThrow(`archive ${f}: the history lists 1 layer step but the image has 2 layers`);
  });

  it("refuse a compressed archive, a file that is no archive, and a missing one", async () => {
    const gz = path.join(tmp.dir, "img.tar.gz");
    await writeDockerArchive(path.join(tmp.dir, "plain.tar"), layers);
    await writeFile(gz, gzipSync(await readFile(path.join(tmp.dir, "plain.tar"))));
    await expect(openImage(`docker-archive:${gz}`)).rejects.toThrow(/compressed archives are not read in place; decompress it first/);
    const junk = path.join(tmp.dir, "junk.tar");
    await writeFile(junk, "this is not a tar archive at all".repeat(40));
    await expect(openImage(`docker-archive:${junk}`)).rejects.toThrow(`archive ${junk}: not a valid tar archive (`);
    await expect(openImage(`docker-archive:${tmp.dir}/none.tar`)).rejects.toThrow(/none\.tar: no such file/);
    await expect(openImage(`oci:${tmp.dir}/none`)).rejects.toThrow(/none: no such directory/);
  });
});

describe("layer indexes", () => {
  it("read in place (headers only) and streamed (hashing everything) agree", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(layer, async (members) => {
        const tar = buildTar(members);
        const f = path.join(tmp.dir, `layer-${n++}.tar`);
        await writeFile(f, tar.bytes);
        const inPlace = indexLayerFile(f);
        const streamed = await indexLayerStream(createReadStream(f), { what: f, diffId: tar.digest });
        const strip = (ix: typeof inPlace) => ({ ...ix, entries: ix.entries.map(({ digest: _d, file: _f, offset: _o, ...rest }) => rest) });
        expect(strip(inPlace)).toEqual(strip(streamed));
      }),
      { numRuns: 100 },
    );
  });
});
