import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMountFlag, parseVolumeFlag } from "./mount-specs.js";
import { VolumeStore, validateVolumeName } from "./volume-store.js";

describe("volume store", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "strata-vols-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("creates a volume whole, returns an existing one, removes it, refuses bad names", async () => {
    const vols = new VolumeStore(root);
    const v = await vols.create("data", { labels: { a: "b" } });
    expect(v).toMatchObject({ Name: "data", Driver: "local", Labels: { a: "b" }, Anonymous: false, Mountpoint: path.join(root, "volumes/data/_data") });
    expect((await vols.create("data")).CreatedAt).toBe(v.CreatedAt);
    const anon = await vols.create(undefined, { anonymous: true });
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(vols.list().map((x) => x.Name).sort()).toEqual([anon.Name, "data"].sort());
    vols.remove(anon.Name);
    expect(vols.read(anon.Name)).toBeUndefined();
    expect(readdirSync(path.join(root, "volumes")).filter((n) => n.startsWith("."))).toEqual([]);
    for (const bad of ["a", "-x", "a/b", "a b", "../x"]) expect(() => validateVolumeName(bad)).toThrow(/includes invalid characters/);
    await expect(vols.create("opts", { options: { type: "nfs" } })).rejects.toThrow(/not supported/);
  });

  it("recovers from an interrupted import: a dead import's staging goes, a live one's stays, a half swap is undone", async () => {
    const vols = new VolumeStore(root);
    await vols.create("swap");
    const dir = path.join(root, "volumes/swap");
    writeFileSync(path.join(dir, "_data/keep"), "old");
    mkdirSync(path.join(dir, `_data.import-${process.pid}-live`));
    mkdirSync(path.join(dir, "_data.import-999999999-dead"));
    renameSync(path.join(dir, "_data"), path.join(dir, "_data.old-abcd")); // crashed between the two renames
    vols.recover();
    expect(readdirSync(dir).sort()).toEqual(["_data", `_data.import-${process.pid}-live`, "volume.json"]);
    expect(existsSync(path.join(dir, "_data/keep"))).toBe(true);
  });

  it("reads -v and --mount as Docker does", () => {
    expect(parseVolumeFlag("/data")).toMatchObject({ type: "volume", destination: "/data" });
    expect(parseVolumeFlag("nv:/d:ro,nocopy")).toMatchObject({ type: "volume", name: "nv", readOnly: true, noCopy: true });
    expect(parseVolumeFlag("/host/x/../y:/d")).toMatchObject({ type: "bind", source: "/host/y", destination: "/d", createSource: true });
    expect(() => parseVolumeFlag("/data:ro")).toThrow(/invalid volume specification/);
    expect(() => parseVolumeFlag("nv:/")).toThrow(/destination can't be/);
    expect(parseMountFlag("type=bind,src=/s,dst=/d,ro")).toMatchObject({ type: "bind", source: "/s", destination: "/d", readOnly: true, createSource: false });
    expect(parseMountFlag("target=/t")).toMatchObject({ type: "volume", destination: "/t" });
    expect(parseMountFlag("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770")).toMatchObject({ options: ["nosuid", "nodev", "noexec", "size=64m", "mode=1770"] });
    expect(() => parseMountFlag("type=tmpfs,source=x,target=/t")).toThrow(/source must not be specified/);
    expect(() => parseMountFlag("type=bogus,target=/t")).toThrow(/invalid mount type/);
    expect(() => parseMountFlag("type=bind,target=/t")).toThrow(/Source must not be empty/);
  });
});
