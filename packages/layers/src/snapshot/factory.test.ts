import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountAll, unmount } from "../mount/mount.js";
import { withMounted } from "../mount/with-mounted.js";
import { UNPACK_LABEL } from "./driver-switch.js";
import { unmountLeaks } from "../mount/mountinfo.js";
import { createSnapshotter } from "./factory.js";

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "strata-snap-factory-"));
});
afterAll(async () => {
  const leaked = await unmountLeaks(base);
  await rm(base, { recursive: true, force: true });
  expect(leaked).toEqual([]);
});

/** Runs `fn` with a root inside an overlay mount, where overlay cannot be mounted again. */
async function insideOverlay(fn: (root: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(base, "nested-"));
  for (const d of ["lower", "upper", "work", "merged"]) await mkdir(path.join(dir, d));
  const merged = path.join(dir, "merged");
  const p = (d: string) => path.join(dir, d);
  await mountAll([{ type: "overlay", source: "overlay", options: [`workdir=${p("work")}`, `upperdir=${p("upper")}`, `lowerdir=${p("lower")}`] }], merged);
  try {
    await fn(path.join(merged, "root"));
  } finally {
    await unmount(merged);
  }
}

describe("createSnapshotter", () => {
  it("picks overlay where overlay mounts", async () => {
    expect((await createSnapshotter(path.join(base, "default"))).driver).toBe("overlay");
  });

  it("opens native when asked", async () => {
    expect((await createSnapshotter(path.join(base, "native"), "native")).driver).toBe("native");
  });

  it("falls back to native where overlay cannot mount", async () => {
    await insideOverlay(async (root) => {
      const sn = await createSnapshotter(root);
      expect(sn.driver).toBe("native");
      await sn.prepare("k");
    });
  });

  it("refuses an explicit overlay where it cannot mount, with a hint", async () => {
    await insideOverlay(async (root) => {
      await expect(createSnapshotter(root, "overlay")).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        hint: expect.stringContaining("native"),
      });
    });
  });

  it("keeps a root on the driver that made its snapshots", async () => {
    const root = path.join(base, "recorded");
    await (await createSnapshotter(root, "native")).prepare("k");
    expect((await createSnapshotter(root)).driver).toBe("native");
    await expect(createSnapshotter(root, "overlay")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
  });

  it("changes driver when the root holds only unpacked image layers (what load leaves), dropping them", async () => {
    const root = path.join(base, "loaded");
    const overlay = await createSnapshotter(root, "overlay");
    const mounts = await overlay.prepare("extract-1", undefined, { labels: { [UNPACK_LABEL]: "sha256:l1" } });
    await withMounted(mounts, (dir) => writeFile(path.join(dir, "f"), "x"));
    await overlay.commit("sha256:l1", "extract-1");
    const dirs = await readdir(path.join(root, "snapshots"));

    const native = await createSnapshotter(root, "native");
    expect(native.driver).toBe("native");
    await expect(native.stat("sha256:l1")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await readdir(path.join(root, "snapshots"))).toEqual(dirs.filter((d) => !/^\d+$/.test(d)));
    await native.prepare("k"); // a build result: from now on the root is pinned to native
    await expect(createSnapshotter(root, "overlay")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
  });

  it("rejects roots that cannot be written into overlay options, and unknown drivers", async () => {
    await expect(createSnapshotter(path.join(base, "a,b"), "native")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(createSnapshotter(base, "zfs" as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

