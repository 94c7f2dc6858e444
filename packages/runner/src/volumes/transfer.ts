import { chmodSync, lchownSync, mkdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { randomHex, runStreaming } from "@strata/core";
import { applyLayer, readTar, type TarEntry } from "@strata/layers";
import type { VolumeStore } from "./volume-store.js";

/**
 * `volume export`: the volume's tree as a tar (GNU tar: numeric owners, modes, times,
 * hardlinks, symlinks, devices, every xattr; the volume's own directory as `./`).
 */
export async function exportVolume(volumes: VolumeStore, name: string, out: Writable): Promise<void> {
  volumes.get(name);
  const tar = runStreaming("tar", ["--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", volumes.dataDir(name), "-cf", "-", "."]);
  await new Promise<void>((resolve, reject) => {
    tar.stdout.on("error", reject);
    out.on("error", reject);
    tar.stdout.on("end", () => resolve());
    tar.stdout.pipe(out, { end: false });
  });
  await tar.done;
}

/**
 * `volume import`: replaces the volume's contents with a tar's. The tar is unpacked into a
 * staging directory beside `_data` by the layer applier (every name checked, nothing written
 * outside the staging directory, links resolved inside it), then swapped in by two renames; a
 * failure or interruption leaves the volume as it was (`recoverImport` undoes a half swap).
 */
export async function importVolume(volumes: VolumeStore, name: string, input: AsyncIterable<Uint8Array> | Readable): Promise<void> {
  volumes.get(name);
  const data = volumes.dataDir(name);
  const dir = path.dirname(data);
  const stage = path.join(dir, `_data.import-${process.pid}-${randomHex(4)}`);
  mkdirSync(stage, { mode: 0o755 });
  try {
    let root: TarEntry | undefined;
    async function* withoutRoot(entries: AsyncIterable<TarEntry>): AsyncGenerator<TarEntry> {
      for await (const e of entries) {
        if (e.name.replace(/^(\.\/)+/, "").replace(/^\.$/, "") === "" && e.type === "5") root = e;
        else yield e;
      }
    }
    await applyLayer(stage, withoutRoot(readTar(input)), { whiteouts: "plain" });
    if (root) {
      lchownSync(stage, root.uid, root.gid);
      chmodSync(stage, root.mode & 0o7777);
      utimesSync(stage, root.mtime, root.mtime);
    }
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const old = path.join(dir, `_data.old-${randomHex(4)}`);
  renameSync(data, old);
  renameSync(stage, data);
  rmSync(old, { recursive: true, force: true });
}
