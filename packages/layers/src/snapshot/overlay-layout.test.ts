import { lstat, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withMounted } from "../mount/with-mounted.js";
import { unmountLeaks } from "../mount/mountinfo.js";
import { createOverlaySnapshotter } from "./overlay.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "strata-overlay-layout-"));
});
afterAll(async () => {
  const leaked = await unmountLeaks(root);
  await rm(root, { recursive: true, force: true });
  expect(leaked).toEqual([]);
});

describe("overlay snapshotter layout", () => {
  it("returns containerd-shaped mounts over numeric snapshot directories", async () => {
    const sn = await createOverlaySnapshotter(root);
    const s = (id: number, sub = "fs") => path.join(root, "snapshots", String(id), sub);

    expect(await sn.prepare("a-key")).toEqual([{ type: "bind", source: s(1), options: ["rbind", "rw"] }]);
    await sn.commit("a", "a-key");
    expect(await sn.prepare("b-key", "a")).toEqual([
      { type: "overlay", source: "overlay", options: [`workdir=${s(2, "work")}`, `upperdir=${s(2)}`, `lowerdir=${s(1)}`] },
    ]);
    await sn.commit("b", "b-key");
    expect(await sn.view("v1", "a")).toEqual([{ type: "bind", source: s(1), options: ["rbind", "ro"] }]);
    expect(await sn.view("v2", "b")).toEqual([{ type: "overlay", source: "overlay", options: [`lowerdir=${s(2)}:${s(1)}`] }]);
    const meta = JSON.parse(await readFile(path.join(root, "snapshots", "metadata.json"), "utf8"));
    expect(meta).toMatchObject({ version: 1, nextId: 5, snapshots: { a: { id: "1", kind: "committed" }, b: { id: "2", parent: "a" } } });
  });

  it("records a deletion in the child as a whiteout in its own directory", async () => {
    const sn = await createOverlaySnapshotter(root);
    const mounts = await sn.prepare("del-key", "a");
    await withMounted(mounts, async (dir) => {
      await writeFile(path.join(dir, "x"), "x");
    });
    await sn.commit("with-x", "del-key");
    const child = await sn.prepare("child", "with-x");
    await withMounted(child, async (dir) => {
      await rm(path.join(dir, "x"));
    });
    const upper = child[0]!.options.find((o) => o.startsWith("upperdir="))!.slice("upperdir=".length);
    const wh = await lstat(path.join(upper, "x"));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
  });
});
