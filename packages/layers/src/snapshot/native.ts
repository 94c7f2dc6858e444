import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Mount } from "@strata/core";
import type { Snapshotter } from "../types.js";
import { copyTree } from "./copy-tree.js";
import type { SnapshotLayout } from "./layout.js";
import type { SnapshotRecord } from "./metadata.js";
import { createSnapshotterWith, type SnapshotDriver } from "./snapshotter-core.js";
import { changedFrom, diskUsage } from "./usage.js";

/**
 * Snapshots as plain directories: prepare copies the parent's files into a new directory,
 * so every mount is a bind of a real directory and `withMounted` never has to mount.
 * Works anywhere (no root needed beyond what ownership preservation requires), at the cost
 * of a full copy per prepare.
 */
export function createNativeSnapshotter(root: string): Promise<Snapshotter> {
  return createSnapshotterWith(root, nativeDriver);
}

export const nativeDriver: SnapshotDriver = {
  name: "native",

  async populate(dir, kind, parentFs) {
    const fs = path.join(dir, "fs");
    // A view never changes, so it reads the (immutable) committed parent directly: no copy.
    if (kind === "view" || parentFs === undefined) {
      await mkdir(fs);
      await chmod(fs, 0o755);
      return;
    }
    await copyTree(parentFs, fs);
  },

  mounts: nativeMounts,

  // The directory is a full copy, so count only what differs from the parent's directory.
  usage: (ownFs, parentFs) => diskUsage(ownFs, parentFs === undefined ? undefined : changedFrom(parentFs)),
};

function nativeMounts(layout: SnapshotLayout, rec: SnapshotRecord, chain: readonly string[]): Mount[] {
  if (rec.kind === "view") {
    const source = layout.fsDir(chain[1] ?? chain[0]!);
    return [{ type: "bind", source, options: ["rbind", "ro"] }];
  }
  return [{ type: "bind", source: layout.fsDir(chain[0]!), options: ["rbind", "rw"] }];
}
