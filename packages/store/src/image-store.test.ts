import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REF_NAME_ANNOTATION, canonicalJSON, sha256, type Digest, type ImageConfig } from "@strata/core";
import { collectGarbage, openStore, readImage, removeManifest, withLease, writeImage, type Store } from "./index.js";
import { configFor, makeLayer, makeTmp } from "./testsuite/fixtures.js";

let tmp: Awaited<ReturnType<typeof makeTmp>>;
let store: Store;
beforeEach(async () => {
  tmp = await makeTmp();
  store = await openStore(path.join(tmp.dir, "root"));
});
afterEach(() => tmp.cleanup());

async function makeImage(content: string, cmd = ["sh"]) {
  const layer = await makeLayer(tmp.dir, `l-${sha256(content).slice(7, 15)}`, { "etc/file": content });
  const info = await store.content.put(layer.bytes);
  const config: ImageConfig = configFor([layer], cmd);
  const written = await writeImage(store, { config, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...info }] });
  return { ...written, layer: info, config };
}

describe("image store", () => {
  it("tags with the full normalised name and resolves any spelling", async () => {
    const img = await makeImage("a");
    await store.images.put("busybox", img.manifest);
    const rec = await store.images.get("docker.io/library/busybox:latest");
    expect(rec).toMatchObject({ name: "docker.io/library/busybox:latest", target: img.manifest });
    expect(Date.parse(rec.created)).not.toBeNaN();
    for (const q of ["busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest"]) {
      expect((await readImage(store, q)).configDigest).toBe(img.configDigest);
    }
    const index = JSON.parse(await readFile(path.join(store.root, "index.json"), "utf8"));
    expect(index.manifests[0].annotations[REF_NAME_ANNOTATION]).toBe("docker.io/library/busybox:latest");
    await expect(store.images.get("busybox:other")).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "image docker.io/library/busybox:other: not found",
    });
  });

  it("moves, lists and deletes tags", async () => {
    const a = await makeImage("a");
    const b = await makeImage("b");
    await store.images.put("acme/app:1.0", a.manifest);
    await store.images.put("acme/app:2.0", a.manifest);
    await store.images.put("acme/app:1.0", b.manifest);
    const list = await store.images.list();
    expect(list.map((r) => [r.name, r.target.digest]).sort()).toEqual(
      [
        ["docker.io/acme/app:1.0", b.manifest.digest],
        ["docker.io/acme/app:2.0", a.manifest.digest],
      ].sort(),
    );
    await store.images.delete("acme/app:2.0");
    await expect(store.images.delete("acme/app:2.0")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(store.images.put("x@sha256:" + "a".repeat(64), a.manifest)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await removeManifest(store, b.manifest.digest)).toBe(1);
    expect((await store.images.list()).map((r) => r.name)).toEqual([]);
  });

  it("resolves image IDs, unique prefixes and manifest digests like Docker", async () => {
    const a = await makeImage("a");
    const b = await makeImage("b");
    // Tags that are not hex: a one-digit ID prefix such as "a" would resolve as the tag "a" first.
    await store.images.put("alpha", a.manifest);
    await store.images.put("beta", b.manifest);
    expect(a.configDigest).toBe(sha256(canonicalJSON(a.config)));
    expect((await readImage(store, a.configDigest)).manifestDesc.digest).toBe(a.manifest.digest);
    expect((await readImage(store, a.configDigest.slice(7, 19))).configDigest).toBe(a.configDigest);
    expect((await readImage(store, a.manifest.digest)).configDigest).toBe(a.configDigest);
    expect((await readImage(store, `alpha@${a.manifest.digest}`)).configDigest).toBe(a.configDigest);
    await expect(readImage(store, "nope")).rejects.toMatchObject({ code: "NOT_FOUND", message: "image nope: not found" });
    await expect(readImage(store, "ffffffffffff")).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Every ID starts with some hex digit shared by... only check ambiguity when it exists.
    const common = a.configDigest[7] === b.configDigest[7] ? a.configDigest.slice(7, 8) : undefined;
    if (common) await expect(readImage(store, common)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("writeImage refuses layers that disagree with rootfs.diff_ids", async () => {
    const img = await makeImage("a");
    await expect(writeImage(store, { config: img.config, layers: [] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("collects blobs no tag reaches, keeping leased writes", async () => {
    const a = await makeImage("a");
    const b = await makeImage("b");
    await store.images.put("keep", a.manifest);
    const stray = await store.content.put("stray");
    const { removed } = await collectGarbage(store);
    expect(removed.sort()).toEqual([b.manifest.digest, b.configDigest, b.layer.digest, stray.digest].sort());
    for (const d of [a.manifest.digest, a.configDigest, a.layer.digest] as Digest[]) expect(await store.content.has(d)).toBe(true);

    await withLease(store, async () => {
      const fresh = await store.content.put("written during an import");
      expect((await collectGarbage(store)).removed).toEqual([]);
      expect(await store.content.has(fresh.digest)).toBe(true);
    });
    expect((await collectGarbage(store)).removed).toHaveLength(1);
  });

  it("is readable by skopeo as an OCI layout", async () => {
    const a = await makeImage("a");
    await store.images.put("acme/app:1.0", a.manifest);
    const { stdout } = await execa("skopeo", ["inspect", "--raw", `oci:${store.root}:docker.io/acme/app:1.0`]);
    expect(JSON.parse(stdout).config.digest).toBe(a.configDigest);
    const cfg = await execa("skopeo", ["inspect", "--config", `oci:${store.root}:docker.io/acme/app:1.0`]);
    expect(JSON.parse(cfg.stdout).config.Cmd).toEqual(["sh"]);
  });
});
