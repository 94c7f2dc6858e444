import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import type { Mount } from "@strata/core";
import { layerTar, withChanges } from "@strata/layers";
import { layerDirsOf } from "./writable-layer.js";

/**
 * A read-only view of a writable layer over its image: one overlay (of the same kind the
 * container is mounted with) whose lower layers are the upper directory and the image's.
 */
export function readOnlyView(mounts: readonly Mount[]): Mount[] {
  const { upper, lowers } = layerDirsOf(mounts);
  const type = mounts[0]!.type === "fuse-overlayfs" ? "fuse-overlayfs" : "overlay";
  if (lowers.length === 0) return [{ type: "bind", source: upper, options: ["rbind", "ro"] }];
  return [{ type, source: type, options: [`lowerdir=${[upper, ...lowers].join(":")}`] }];
}

/**
 * Writes the container's whole filesystem (image and writable layer flattened, no volumes) as a
 * tar to `out`, in the layer tar format (sorted entries, numeric owners, PAX headers, xattrs).
 * `root` is a directory showing that filesystem (a running container's rootfs mount), or
 * `mounts` are mounted read-only for the time of the walk.
 */
export async function exportFilesystem(source: { root: string } | { mounts: readonly Mount[] }, out: Writable): Promise<void> {
  const view: Mount[] = "root" in source ? [{ type: "bind", source: source.root, options: ["rbind", "ro"] }] : readOnlyView(source.mounts);
  await withChanges([], view, (changes) => pipeline(Readable.from(layerTar(changes)), out));
}
