import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { errnoCode, readXattrs, type Mount } from "@strata/core";
import { withChanges } from "@strata/layers";
import { differMounts, layerDirsOf } from "./writable-layer.js";

/** One line of `docker diff`: A added, C changed, D deleted. */
export interface PathChange {
  kind: "A" | "C" | "D";
  path: string;
}

/**
 * The writable layer's changes as Docker lists them, read from the upper directory alone (and
 * the lower layers only at the paths it names): every added path (an added directory's contents
 * too), every changed path with each changed directory above it, one D per deleted subtree.
 * A directory emptied and made again (opaque) lists the deletion of what it held below.
 */
export async function containerChanges(mounts: readonly Mount[]): Promise<PathChange[]> {
  const { upper, lower } = differMounts(mounts);
  const { lowers } = layerDirsOf(mounts);
  const out: PathChange[] = [];
  await withChanges(lower, upper, async (changes) => {
    for await (const c of changes) {
      const p = `/${c.path}`;
      if (c.kind === "delete") {
        out.push({ kind: "D", path: p });
        continue;
      }
      // The layer names every link of a changed hardlinked inode; Docker's diff lists only what changed.
      if (c.kind === "modify" && c.meta.type !== "dir" && !statDifferent(lowers, c.path, path.join(layerDirsOf(mounts).upper, c.path))) continue;
      out.push({ kind: c.kind === "add" ? "A" : "C", path: p });
      if (c.kind === "modify" && c.opaque) {
        const kept = new Set(readdirOrEmpty(path.join(layerDirsOf(mounts).upper, c.path)));
        for (const name of await lowerNames(lowers, c.path)) if (!kept.has(name)) out.push({ kind: "D", path: path.posix.join(p, name) });
      }
    }
  });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Docker's test for a changed non-directory (go-archive's statDifferent): mode, owner or device,
 * or size or mtime (to the second). The lower file is the nearest layer's.
 */
function statDifferent(lowers: readonly string[], rel: string, upperPath: string): boolean {
  let lower;
  for (const dir of lowers) {
    try {
      lower = lstatSync(path.join(dir, rel));
      break;
    } catch {
      // not in this layer
    }
  }
  if (!lower) return true;
  const upper = lstatSync(upperPath);
  return (
    lower.mode !== upper.mode ||
    lower.uid !== upper.uid ||
    lower.gid !== upper.gid ||
    lower.rdev !== upper.rdev ||
    lower.size !== upper.size ||
    Math.floor(lower.mtimeMs / 1000) !== Math.floor(upper.mtimeMs / 1000)
  );
}

/** The names a directory shows in a stack of overlay layer directories (nearest first). */
async function lowerNames(layers: readonly string[], rel: string): Promise<string[]> {
  const names = new Set<string>();
  const hidden = new Set<string>();
  for (const layer of layers) {
    const dir = path.join(layer, rel);
    let st;
    try {
      st = lstatSync(dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") continue;
      throw e;
    }
    if (!st.isDirectory()) break;
    for (const name of readdirOrEmpty(dir)) {
      const entry = lstatSync(path.join(dir, name));
      if (entry.isCharacterDevice() && entry.rdev === 0) hidden.add(name);
      else if (!hidden.has(name)) names.add(name);
    }
    const xattrs = (await readXattrs([dir])).get(dir);
    if (xattrs?.get("trusted.overlay.opaque")?.toString() === "y") break;
  }
  return [...names];
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Docker's SizeRw: the bytes of the writable layer's own files (st_size of every non-directory,
 * each inode once; whiteouts count 0), from its upper directory alone. Nothing of the image is
 * read, so `ps -s` costs what the containers changed.
 */
export function writableLayerSize(upperDir: string): number {
  const seen = new Set<number>();
  let size = 0;
  const pending = [upperDir];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") continue;
      throw e;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        pending.push(p);
        continue;
      }
      if (st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      size += st.size;
    }
  }
  return size;
}
