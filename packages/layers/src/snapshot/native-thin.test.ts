import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiffer } from "../diff/differ.js";
import { mountAll, unmount } from "../mount/mount.js";
import { unmountLeaks } from "../mount/mountinfo.js";
import { createNativeSnapshotter, THIN_LABEL } from "./native.js";

/** A content store in memory, enough for the differ. */
function memoryContent() {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    async put(data: Uint8Array) {
      const { createHash } = await import("node:crypto");
      const digest = `sha256:${createHash("sha256").update(data).digest("hex")}` as const;
      blobs.set(digest, Buffer.from(data));
      return { digest, size: data.length };
    },
    async writer() {
      throw new Error("small layers only");
    },
  };
}

describe("native snapshotter: thin snapshots through fuse-overlayfs (needs root, /dev/fuse, fuse-overlayfs)", () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "strata-native-thin-"));
  });
  afterAll(async () => {
    const leaked = await unmountLeaks(base);
    await rm(base, { recursive: true, force: true });
    expect(leaked).toEqual([]);
  });

  it("keeps only the changes in the thin snapshot; the full copy below never changes", async () => {
    const sn = await createNativeSnapshotter(path.join(base, "a"));
    const [img] = await sn.prepare("img-key");
    await mkdir(path.join(img!.source, "etc"));
    await writeFile(path.join(img!.source, "etc/passwd"), "root\n");
    await writeFile(path.join(img!.source, "keep"), "k");
    await sn.commit("img", "img-key");

    const mounts = await sn.prepare("ctr", "img", { labels: { [THIN_LABEL]: "1" } });
    expect(mounts[0]!.type).toBe("fuse-overlayfs");
    const target = path.join(base, "mnt");
    await mkdir(target);
    await mountAll(mounts, target);
    try {
      await writeFile(path.join(target, "etc/passwd"), "root\nuser\n", { flag: "a" });
      await writeFile(path.join(target, "new"), "12345");
      await rm(path.join(target, "keep"));
    } finally {
      await unmount(target);
    }
    const [imgDir] = await sn.layerDirs("img");
    expect(await readFile(path.join(imgDir!, "etc/passwd"), "utf8")).toBe("root\n");
    expect(await readFile(path.join(imgDir!, "keep"), "utf8")).toBe("k");
    // Only the changes, in overlay's format: a copied-up file, a new file, a whiteout.
    const upper = mounts[0]!.options.find((o) => o.startsWith("upperdir="))!.slice("upperdir=".length);
    expect((await readdir(upper)).sort()).toEqual(["etc", "keep", "new"]);
    const wh = await lstat(path.join(upper, "keep"));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect((await sn.usage("ctr")).size).toBeLessThan(16 * 1024);

    // The differ reads it like a kernel overlay upper.
    const content = memoryContent();
    const lowerdir = mounts[0]!.options.find((o) => o.startsWith("lowerdir="))!;
    const blob = await createDiffer(content as never).compare(
      [{ type: "overlay", source: "overlay", options: [lowerdir] }],
      [{ type: "overlay", source: "overlay", options: [...mounts[0]!.options] }],
    );
    const tar = content.blobs.get(blob.diffId)!;
    const names = tar.toString("latin1").match(/(?:etc\/passwd|\.wh\.keep|new)\0/g);
    expect(names).toEqual([".wh.keep\0", "etc/passwd\0", "new\0"]);

    // A thin snapshot's children are thin; a full copy of one is refused.
    await sn.commit("thin-committed", "ctr");
    await expect(sn.prepare("full", "thin-committed")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    const child = await sn.prepare("child", "thin-committed", { labels: { [THIN_LABEL]: "1" } });
    expect(child[0]!.options.find((o) => o.startsWith("lowerdir="))).toBe(`lowerdir=${upper}:${imgDir}`);
    expect(await sn.layerDirs("thin-committed")).toEqual([upper, imgDir]);
  });
});
