import path from "node:path";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { createDiffer } from "./differ.js";
import { readTar } from "./tar-reader.js";
import { dirContentStore } from "./testsuite/dir-content-store.js";
import { CHANGE_SCRIPT, LOWER_SCRIPT, LOWER_TIME, SDE, nativeCopy, overlayFixture, tarListing, type OverlayFixture } from "./testsuite/trees.js";

const LONG = `new/${"a".repeat(60)}`;
/** `tar -tv --numeric-owner` of the expected layer, dates dropped. */
const EXPECTED = [
  "---------- 0/0 0 .wh.d2",
  "drwxr-xr-x 0/0 0 bin/",
  "-rw-r--r-- 0/0 4 bin/ping",
  "drwxr-xr-x 0/0 0 d1/",
  "---------- 0/0 0 d1/.wh.a",
  "drwxr-xr-x 0/0 0 d3/",
  "---------- 0/0 0 d3/.wh..wh..opq",
  "-rw-r--r-- 0/0 5 d3/new",
  "-rw-r--r-- 0/0 10 d4",
  "drwxr-xr-x 0/0 0 d5/",
  "---------- 0/0 0 d5/.wh..wh..opq",
  "drwxr-xr-x 0/0 0 etc/",
  "-rw-r--r-- 0/0 28 etc/passwd",
  "drwxr-xr-x 0/0 0 f2/",
  "-rw-r--r-- 0/0 2 f2/in",
  "drwxr-xr-x 0/0 0 new/",
  `drwxr-xr-x 0/0 0 ${LONG}/`,
  `-rw-r--r-- 0/0 4 ${LONG}/${"b".repeat(60)}`,
  "lrwxrwxrwx 0/0 0 new/abs-link -> /etc/passwd",
  "-rw-r--r-- 3000000/4000000 3 new/bigid",
  "-rw-r--r-- 0/0 3 new/capfile",
  "drwxr-xr-x 0/0 0 new/dir/",
  "-rw-r--r-- 0/0 1 new/dir/f",
  "-rw-r--r-- 0/0 3 new/file",
  "hrw-r--r-- 0/0 0 new/file-link link to new/file",
  "-rw-r--r-- 1000/2000 5 new/owned",
  "-rwx--s--x 0/0 4 new/sgid",
  "-rwsr-xr-x 0/0 4 new/suid",
  "drwxrwxrwt 0/0 0 new/tmp/",
  "-rw-r--r-- 0/0 3 new/\\303\\251",
];

const withoutDates = (lines: string[]) => lines.map((l) => l.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d /, " ").replace(/\s+/g, " "));

describe("createDiffer", () => {
  let fx: OverlayFixture;
  let native: Mount[];
  let store: ReturnType<typeof dirContentStore>;
  beforeAll(async () => {
    fx = await overlayFixture(LOWER_SCRIPT, CHANGE_SCRIPT);
    native = [{ type: "bind", source: await nativeCopy(fx.lower, CHANGE_SCRIPT, path.join(fx.dir, "native")), options: ["rbind"] }];
    store = dirContentStore(path.join(fx.dir, "store"));
  });
  afterAll(() => fx?.cleanup());

  it("walks only the overlay upperdir and writes the expected entries in layer order", async () => {
    const layer = await createDiffer(store).compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    expect(withoutDates(await tarListing(store.blobPath(layer.diffId)))).toEqual(EXPECTED);
    expect(layer.empty).toBe(false);
    expect(layer.descriptor).toEqual({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer.diffId, size: expect.any(Number) });
  });

  it("gives a byte-identical layer from the native double walk of the same change", async () => {
    const differ = createDiffer(store);
    const overlay = await differ.compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    const plain = await differ.compare(fx.lowerMounts, native, { sourceDateEpoch: SDE });
    expect(plain.diffId).toBe(overlay.diffId);
    expect(plain.descriptor.size).toBe(overlay.descriptor.size);
  });

  it("writes the same bytes whether a small layer goes in one put or through the streaming writer", async () => {
    const puts: number[] = [];
    const withPut = {
      ...store,
      async put(data: Uint8Array) {
        puts.push(data.length);
        const w = await store.writer();
        await w.write(data);
        return w.commit();
      },
    };
    const streamed = await createDiffer(store).compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    const put = await createDiffer(withPut).compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    expect(put.diffId).toBe(streamed.diffId);
    expect(puts).toEqual([streamed.descriptor.size]);
  });

  it("is deterministic and clamps mtimes to SOURCE_DATE_EPOCH (whiteouts at epoch 0, lower times kept)", async () => {
    const differ = createDiffer(store);
    const a = await differ.compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    const b = await differ.compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    expect(b.diffId).toBe(a.diffId);
    const unclamped = await differ.compare(fx.lowerMounts, fx.upperMounts);
    expect(unclamped.diffId).not.toBe(a.diffId);
    const mtimes = new Map<string, number>();
    for await (const e of readTar([await readFile(store.blobPath(a.diffId))])) mtimes.set(e.name, e.mtime);
    expect(mtimes.get("new/file")).toBe(SDE);
    expect(mtimes.get("etc/")).toBe(LOWER_TIME);
    expect(mtimes.get("d1/.wh.a")).toBe(0);
  });

  it("carries security.capability as a SCHILY.xattr PAX record and leaves overlay's xattrs out", async () => {
    const layer = await createDiffer(store).compare(fx.lowerMounts, fx.upperMounts, { sourceDateEpoch: SDE });
    const xattrs = new Map<string, string[]>();
    for await (const e of readTar([await readFile(store.blobPath(layer.diffId))])) xattrs.set(e.name, [...e.xattrs.keys()]);
    expect(xattrs.get("bin/ping")).toEqual(["security.capability"]);
    expect(xattrs.get("new/capfile")).toEqual(["security.capability"]);
    expect(xattrs.get("d3/")).toEqual([]);
    const gnu = await import("execa").then(({ execa }) =>
      execa("tar", ["--xattrs", "--xattrs-include=*", "-tvvf", store.blobPath(layer.diffId)], { env: { LC_ALL: "C" } }),
    );
    expect(gnu.stdout).toMatch(/x:\s+20 security\.capability/);
  });

  it("stops on an aborted signal and leaves no blob or ingest behind", async () => {
    const { readdir } = await import("node:fs/promises");
    const before = await readdir(path.join(fx.dir, "store", "blobs", "sha256"));
    await expect(createDiffer(store).compare(fx.lowerMounts, fx.upperMounts, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await readdir(path.join(fx.dir, "store", "blobs", "sha256"))).toEqual(before);
    expect(await readdir(path.join(fx.dir, "store", "ingest"))).toEqual([]);
  });

  it("writes a valid empty tar and says so when nothing changed", async () => {
    const layer = await createDiffer(store).compare(fx.lowerMounts, fx.lowerMounts);
    expect(layer.empty).toBe(true);
    expect(layer.descriptor.size).toBe(1024);
    expect((await readFile(store.blobPath(layer.diffId))).every((b) => b === 0)).toBe(true);
  });

  it("makes the whole overlay view an add when compared with no lower", async () => {
    const viaOverlay = await createDiffer(store).compare([], fx.upperMounts, { sourceDateEpoch: SDE });
    const viaNative = await createDiffer(store).compare([], native, { sourceDateEpoch: SDE });
    expect(viaOverlay.diffId).toBe(viaNative.diffId);
  });

  it("makes everything an add when there is no lower", async () => {
    const layer = await createDiffer(store).compare([], fx.lowerMounts);
    const names = (await tarListing(store.blobPath(layer.diffId))).map((l) => l.split(/\s+/).slice(5).join(" "));
    expect(names).toEqual([
      "bin/", "bin/ping", "bin/sh", "d1/", "d1/a", "d1/b", "d2/", "d2/sub/", "d2/sub/x", "d3/", "d3/old1", "d3/old2",
      "d4/", "d4/inner", "d5/", "d5/one", "d5/two", "etc/", "etc/group", "etc/passwd", "f2", "f2dir/", "hl1",
      "hl2 link to hl1", "keep/", "keep/deep/", "keep/deep/same", "relative-link -> etc/passwd",
    ]);
  });
});
