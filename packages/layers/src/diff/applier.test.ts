import path from "node:path";
import { lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { sha256, type Descriptor, type Mount } from "@strata/core";
import { createApplier } from "./applier.js";
import { createDiffer } from "./differ.js";
import { describeTree } from "./testsuite/describe-tree.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { CHANGE_SCRIPT, LOWER_SCRIPT, nativeCopy, overlayFixture, type OverlayFixture } from "./testsuite/trees.js";
import { readXattrs } from "@strata/core";
import { buildTar } from "./testsuite/tar-builder.js";

describe("createApplier", () => {
  let fx: OverlayFixture;
  let store: ReturnType<typeof dirContentStore>;
  let expected: string[];
  let layer: Descriptor;
  let n = 0;
  const fresh = async (name: string) => {
    const dir = path.join(fx.dir, `${name}-${n++}`);
    await mkdir(dir);
    return dir;
  };
  const put = async (bytes: Buffer): Promise<Descriptor> => {
    const w = await store.writer();
    await w.write(bytes);
    const info = await w.commit();
    return { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: info.digest, size: info.size };
  };

  beforeAll(async () => {
    fx = await overlayFixture(LOWER_SCRIPT, CHANGE_SCRIPT);
    store = dirContentStore(path.join(fx.dir, "store"));
    const native = await nativeCopy(fx.lower, CHANGE_SCRIPT, path.join(fx.dir, "native"));
    expected = await describeTree(native);
    // Diffed from the native copy: `expected` describes it, mtimes to the second included.
    const nativeMounts: Mount[] = [{ type: "bind", source: native, options: ["rbind"] }];
    layer = (await createDiffer(store).compare(fx.lowerMounts, nativeMounts)).descriptor;
  });
  afterAll(() => fx?.cleanup());

  it("round-trips onto a plain copy of the lower tree (whiteouts remove, opaque clears)", async () => {
    const target = path.join(await fresh("plain"), "root");
    await execa("cp", ["-a", fx.lower, target]);
    const { diffId } = await createApplier(store).apply(layer, [{ type: "bind", source: target, options: ["rbind"] }]);
    expect(diffId).toBe(layer.digest);
    expect(await describeTree(target)).toEqual(expected);
  });

  it("writes overlay whiteouts into a single overlay mount's upperdir; the merged view equals the changed tree", async () => {
    const base = await fresh("ovl");
    const [upper, work, merged] = ["upper", "work", "merged"].map((d) => path.join(base, d)) as [string, string, string];
    for (const d of [upper, work, merged]) await mkdir(d);
    const options = [`lowerdir=${fx.lower}`, `upperdir=${upper}`, `workdir=${work}`];
    const mounts: Mount[] = [{ type: "overlay", source: "overlay", options }];
    const { diffId } = await createApplier(store).apply(layer, mounts);
    expect(diffId).toBe(layer.digest);
    const wh = await lstat(path.join(upper, "d1/a"));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect((await readXattrs([path.join(upper, "d3")])).get(path.join(upper, "d3"))?.get("trusted.overlay.opaque")?.toString()).toBe("y");
    await execa("mount", ["-t", "overlay", "overlay", "-o", options.join(","), merged]);
    try {
      expect(await describeTree(merged)).toEqual(expected);
    } finally {
      await execa("umount", [merged]);
    }
  });

  it("gives parents missing from the layer the lower layer's metadata when writing into an upperdir", async () => {
    const base = await fresh("tpl");
    const [lower, upper, work] = ["lower", "upper", "work"].map((d) => path.join(base, d)) as [string, string, string];
    for (const d of [lower, upper, work]) await mkdir(d);
    await execa("sh", ["-euc", "mkdir -p p/q && chown 5:6 p && chmod 0710 p && touch -d @1500000000 p"], { cwd: lower });
    const tar = buildTar([{ name: "p/q/file", body: "x" }]);
    const blob = await put(tar);
    const options = [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`];
    await createApplier(store).apply(blob, [{ type: "overlay", source: "overlay", options }]);
    const st = await lstat(path.join(upper, "p"));
    expect([st.uid, st.gid, st.mode & 0o7777, Math.floor(st.mtimeMs / 1000)]).toEqual([5, 6, 0o710, 1500000000]);
  });

  it("detects gzip and zstd by magic bytes and returns the diffID of the uncompressed tar", async () => {
    const raw = await readFile(store.blobPath(layer.digest));
    const gz = await put(gzipSync(raw));
    const zstdFile = path.join(fx.dir, "layer.zst");
    await execa("zstd", ["-q", "-o", zstdFile, store.blobPath(layer.digest)]);
    const zst = await put(await readFile(zstdFile));
    for (const blob of [gz, zst]) {
      const target = path.join(await fresh("z"), "root");
      await execa("cp", ["-a", fx.lower, target]);
      const { diffId } = await createApplier(store).apply(blob, [{ type: "bind", source: target, options: [] }]);
      expect(diffId).toBe(layer.digest);
      expect(await describeTree(target)).toEqual(expected);
    }
  });

  it("applies a GNU tar (pax, xattrs, hardlinks) the way GNU tar extracts it", async () => {
    const src = await fresh("gnu-src");
    await execa("sh", ["-euc", "mkdir -p a/b && printf 1 > a/b/f && ln a/b/f a/h && chmod 4711 a/b/f && setcap cap_chown+ep a/b/f && ln -s ../x a/l"], { cwd: src });
    const tarFile = path.join(fx.dir, "gnu.tar");
    await execa("tar", ["--format=pax", "--xattrs", "--xattrs-include=security.capability", "--numeric-owner", "-cf", tarFile, "-C", src, "a"]);
    const blob = await put(await readFile(tarFile));
    const target = await fresh("gnu-dst");
    const { diffId } = await createApplier(store).apply(blob, [{ type: "bind", source: target, options: [] }]);
    expect(diffId).toBe(sha256(await readFile(tarFile)));
    expect(await describeTree(target)).toEqual(await describeTree(src));
  });

  it("returns a diffID that differs from the config's when the blob is not that layer", async () => {
    const other = await put(Buffer.concat([await readFile(store.blobPath(layer.digest)), Buffer.alloc(512)]));
    const target = await fresh("pad");
    await writeFile(path.join(target, ".keep"), "");
    const { diffId } = await createApplier(store).apply(other, [{ type: "bind", source: target, options: [] }]);
    expect(diffId).toBe(other.digest);
    expect(diffId).not.toBe(layer.digest);
  });
});
