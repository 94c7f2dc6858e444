import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { StrataError, type Mount } from "@strata/core";
import type { Snapshotter } from "../types.js";
import { copyTree } from "./copy-tree.js";
import type { SnapshotLayout } from "./layout.js";
import type { SnapshotRecord } from "./metadata.js";
import { overlayMounts } from "./overlay.js";
import { createSnapshotterWith, type SnapshotDriver } from "./snapshotter-core.js";
import { changedFrom, diskUsage } from "./usage.js";

/**
 * A label asking for a thin snapshot: only its own changes, in an overlay upper directory,
 * over its parent's files. The native driver mounts such a snapshot with fuse-overlayfs (the
 * kernel's overlay being what native exists to do without); the overlay driver's snapshots are
 * all thin already and ignore it. A container's writable layer is thin: a full copy of the image
 * per container is what Docker's vfs driver does, and what strata never does.
 */
export const THIN_LABEL = "strata.io/snapshot/thin";

const isThin = (r: { labels: Readonly<Record<string, string>> }) => r.labels[THIN_LABEL] !== undefined;

/**
 * Snapshots as plain directories: prepare copies the parent's files into a new directory,
 * so every mount is a bind of a real directory and `withMounted` never has to mount.
 * Works anywhere (no root needed beyond what ownership preservation requires), at the cost
 * of a full copy per prepare. Thin snapshots (THIN_LABEL) are the exception: an upper
 * directory over the nearest full copy, mounted through fuse-overlayfs.
 */
export function createNativeSnapshotter(root: string): Promise<Snapshotter> {
  return createSnapshotterWith(root, nativeDriver);
}

export const nativeDriver: SnapshotDriver = {
  name: "native",

  async populate(dir, kind, parent, labels) {
    const fs = path.join(dir, "fs");
    if (kind === "active" && labels[THIN_LABEL] !== undefined) {
      await mkdir(fs);
      await chmod(fs, 0o755);
      await mkdir(path.join(dir, "work"), { mode: 0o700 });
      return;
    }
    if (parent && isThin(parent)) {
      throw new StrataError("FAILED_PRECONDITION", "native snapshotter: a thin snapshot's children must be thin too", {
        hint: `prepare with the ${THIN_LABEL} label`,
      });
    }
    // A view never changes, so it reads the (immutable) committed parent directly: no copy.
    if (kind === "view" || parent === undefined) {
      await mkdir(fs);
      await chmod(fs, 0o755);
      return;
    }
    await copyTree(parent.fs, fs);
  },

  mounts: nativeMounts,

  // Thin: the snapshot's own upper dir followed by its thin ancestors', down to the full copy.
  layerDirs: (layout, chain) => thinStack(chain).map((r) => layout.fsDir(r.id)),

  // A full copy counts only what differs from the parent's directory; a thin one holds only its changes.
  usage: (ownFs, parentFs, rec) =>
    diskUsage(ownFs, isThin(rec) || parentFs === undefined ? undefined : changedFrom(parentFs)),
};

/** The records whose directories make up a snapshot's files: thin ones, then the first full copy. */
function thinStack(chain: readonly SnapshotRecord[]): SnapshotRecord[] {
  const end = chain.findIndex((r) => !isThin(r));
  return end < 0 ? [...chain] : chain.slice(0, end + 1);
}

function nativeMounts(layout: SnapshotLayout, rec: SnapshotRecord, chain: readonly SnapshotRecord[]): Mount[] {
  if (isThin(rec)) return overlayMounts(layout, rec, thinStack(chain).map((r) => r.id), "fuse-overlayfs");
  if (rec.kind === "view") {
    const parent = chain[1];
    if (parent && isThin(parent)) {
      throw new StrataError("FAILED_PRECONDITION", "native snapshotter: views of thin snapshots are not supported");
    }
    const source = layout.fsDir(parent?.id ?? chain[0]!.id);
    return [{ type: "bind", source, options: ["rbind", "ro"] }];
  }
  return [{ type: "bind", source: layout.fsDir(chain[0]!.id), options: ["rbind", "rw"] }];
}
