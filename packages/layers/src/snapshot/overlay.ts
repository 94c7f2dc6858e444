import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { StrataError, type Mount } from "@strata/core";
import type { Snapshotter } from "../types.js";
import { overlayAvailable } from "../mount/overlay-probe.js";
import { SnapshotLayout } from "./layout.js";
import { MetadataStore } from "./metadata.js";
import type { SnapshotRecord } from "./metadata.js";
import { createSnapshotterWith, type SnapshotDriver } from "./snapshotter-core.js";
import { diskUsage } from "./usage.js";

/**
 * Snapshots as overlay layers: each snapshot's `fs` is an overlay upper dir, committed
 * snapshots become lower dirs of their children, so prepare and commit never copy files.
 * Needs root and a filesystem overlay accepts (see `overlayAvailable`).
 */
export async function createOverlaySnapshotter(root: string): Promise<Snapshotter> {
  // A root that already holds overlay snapshots has mounted them before: skip the probe mount.
  const recorded = (await new MetadataStore(new SnapshotLayout(root).metadataFile).read()).driver;
  if (recorded !== "overlay" && !(await overlayAvailable(root))) {
    throw new StrataError("FAILED_PRECONDITION", `overlay snapshotter: cannot mount overlay on the filesystem of ${path.resolve(root)}`, {
      hint: "run as root on a filesystem overlay supports as upper (ext4, xfs, btrfs; not overlay or nfs), or use the native snapshotter",
    });
  }
  return createSnapshotterWith(root, overlayDriver);
}

export const overlayDriver: SnapshotDriver = {
  name: "overlay",

  async populate(dir, kind) {
    const fs = path.join(dir, "fs");
    await mkdir(fs);
    await chmod(fs, 0o755); // not left to the umask: this is the container's "/"
    if (kind === "active") await mkdir(path.join(dir, "work"), { mode: 0o700 });
  },

  mounts: (layout, rec, chain) => overlayMounts(layout, rec, chain.map((r) => r.id)),

  layerDirs: (layout, chain) => chain.map((r) => layout.fsDir(r.id)),

  // The upper dir holds exactly this snapshot's changes (including whiteouts), nothing of its parents.
  usage: (ownFs) => diskUsage(ownFs),
};

/**
 * containerd's shape: bind when no overlay is needed, else one overlay mount, layers nearest
 * first. `chain` is the snapshot's directory id followed by its ancestors'. `type` is the
 * overlay implementation: the kernel's, or fuse-overlayfs (same options and on-disk format).
 */
export function overlayMounts(
  layout: SnapshotLayout,
  rec: SnapshotRecord,
  chain: readonly string[],
  type: "overlay" | "fuse-overlayfs" = "overlay",
): Mount[] {
  const [own, ...parents] = chain as [string, ...string[]];
  if (parents.length === 0) {
    return [{ type: "bind", source: layout.fsDir(own), options: ["rbind", rec.kind === "view" ? "ro" : "rw"] }];
  }
  const lowerdir = `lowerdir=${parents.map((id) => layout.fsDir(id)).join(":")}`;
  if (rec.kind === "view") {
    // A read-only overlay needs at least two lower layers; one parent is a plain read-only bind.
    if (parents.length === 1) return [{ type: "bind", source: layout.fsDir(parents[0]!), options: ["rbind", "ro"] }];
    return [{ type: "overlay", source: "overlay", options: [lowerdir] }];
  }
  return [
    {
      type,
      source: type,
      options: [`workdir=${layout.workDir(own)}`, `upperdir=${layout.fsDir(own)}`, lowerdir],
    },
  ];
}
