import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { create as createTar } from "tar";
import { BUSYBOX, cleanup, makeContext, strata, tempDir } from "./helpers.js";

interface SnapshotRecord {
  id: string;
  kind: string;
  labels: Record<string, string>;
  created: string;
}
const snapshots = async (root: string): Promise<{ driver?: string; snapshots: Record<string, SnapshotRecord> }> =>
  JSON.parse(await readFile(path.join(root, "snapshots/metadata.json"), "utf8"));

describe("strata load extracts layers, as docker load does (needs root + runc)", () => {
  const dirs: string[] = [];
  afterAll(() => cleanup(...dirs));

  it("leaves a committed snapshot per layer, which a build then uses as it is", async () => {
    const root = await tempDir("load-root");
    dirs.push(root);
    const load = await strata(root, ["load", "-i", BUSYBOX]);
    expect(load.exitCode, load.all).toBe(0);
    const diffIds: string[] = JSON.parse((await strata(root, ["inspect", "busybox"])).stdout)[0].RootFS.Layers;
    const meta = await snapshots(root);
    const unpacked = Object.entries(meta.snapshots).filter(([, r]) => r.kind === "committed" && r.labels["strata.io/unpack"]);
    expect(unpacked).toHaveLength(diffIds.length);

    const ctx = await makeContext({ Dockerfile: "FROM busybox\nRUN echo hi > /hi\n" });
    dirs.push(ctx);
    const build = await strata(root, ["build", "-t", "t", ctx]);
    expect(build.exitCode, build.all).toBe(0);
    // The build used the loaded snapshots as they were: same directories, same times.
    const after = await snapshots(root);
    for (const [name, record] of unpacked) expect(after.snapshots[name], name).toEqual(record);
  });

  it("a root holding only loaded layers follows --storage-driver; once it holds a build, it is pinned", async () => {
    const root = await tempDir("load-switch");
    dirs.push(root);
    expect((await strata(root, ["load", "-i", BUSYBOX])).exitCode).toBe(0);
    expect((await snapshots(root)).driver).toBe("overlay");
    const ctx = await makeContext({ Dockerfile: "FROM busybox\nRUN echo hi > /hi\n" });
    dirs.push(ctx);
    const native = await strata(root, ["--storage-driver", "native", "build", "-t", "t", ctx]);
    expect(native.exitCode, native.all).toBe(0);
    expect((await snapshots(root)).driver).toBe("native");
    const overlay = await strata(root, ["--storage-driver", "overlay", "build", "--no-cache", "-t", "t", ctx]);
    expect(overlay.exitCode).toBe(1);
    expect(overlay.stderr).toMatch(/made by the native driver/);
  });

  it("a layer that cannot be extracted is a warning at load and the build's error later", async () => {
    const dir = await tempDir("load-evil");
    dirs.push(dir);
    const archive = await escapingArchive(dir);
    const root = path.join(dir, "root");
    const load = await strata(root, ["load", "-i", archive]);
    expect(load.exitCode, load.all).toBe(0);
    expect(load.stdout).toContain("Loaded image: evil:latest");
    expect(load.stderr).toMatch(/warning: evil:latest: layers not extracted/);
    // FROM unpacks lazily: the first step that needs the filesystem meets the bad layer.
    const ctx = await makeContext({ Dockerfile: "FROM evil\nRUN true\n" });
    dirs.push(ctx);
    const build = await strata(root, ["build", "-t", "t", ctx]);
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toMatch(/\.\.\/escape/);
  });
});

/** A docker-archive whose one layer writes `../escape`, outside the root. */
async function escapingArchive(dir: string): Promise<string> {
  const layerDir = path.join(dir, "layer");
  await mkdir(layerDir);
  await writeFile(path.join(dir, "escape"), "outside\n");
  const layerTar = path.join(dir, "layer.tar");
  await createTar({ cwd: layerDir, file: layerTar, portable: true, preservePaths: true }, ["../escape"]);
  const layer = await readFile(layerTar);
  const diffId = `sha256:${createHash("sha256").update(layer).digest("hex")}`;
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [diffId] }, history: [] }));
  const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
  const image = path.join(dir, "image");
  await mkdir(image);
  await writeFile(path.join(image, configName), config);
  await writeFile(path.join(image, "layer.tar"), layer);
  await writeFile(path.join(image, "manifest.json"), JSON.stringify([{ Config: configName, RepoTags: ["evil:latest"], Layers: ["layer.tar"] }]));
  const archive = path.join(dir, "evil.tar");
  await createTar({ cwd: image, file: archive, portable: true }, ["manifest.json", configName, "layer.tar"]);
  return archive;
}
