import { lstatSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StrataError, errnoCode, isAlreadyExists, isNotFound, randomHex, resolveInRoot, type Mount } from "@strata/core";
import { THIN_LABEL, unpackLayers, withMounted, type Applier, type Snapshotter } from "@strata/layers";
import type { ContainerRecord } from "./types.js";

/** The labels of a container's writable layer and of the init layers below them. */
export const CONTAINER_LABEL = "strata.io/container";
export const INIT_LABEL = "strata.io/container-init";

/**
 * Mount destinations every container has, which runc would otherwise create in the writable
 * layer (as directories or empty files) whenever the image lacks them: they would show in
 * `diff`, in `commit` and in the layer's size. Docker keeps them in a per-container "-init"
 * layer; strata keeps one init layer per image (they are the same for every container of it).
 */
const INIT_DIRS = ["/proc", "/sys", "/dev"];
const INIT_FILES = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"];

/** The snapshot name of an image's init layer. */
export const initLayerName = (imageChainId: string | undefined): string => `init:${imageChainId ?? "scratch"}`;

export interface LayerDeps {
  snapshotter: Snapshotter;
  applier: Applier;
  /** The image's layer blobs and diffIDs, to unpack what is missing. */
  imageLayers: () => Promise<{ layers: import("@strata/core").Descriptor[]; diffIds: import("@strata/core").Digest[] }>;
}

/**
 * The container's writable layer: `prepare(containerId, init layer of the image)`, made on first
 * use. Returns its mounts. The image's layers are unpacked first if they are not (after a GC).
 */
export async function ensureWritableLayer(rec: ContainerRecord, deps: LayerDeps): Promise<Mount[]> {
  if (rec.layer !== undefined) {
    try {
      return await deps.snapshotter.mounts(rec.layer);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      throw new StrataError("FAILED_PRECONDITION", `container ${rec.name}: its writable layer ${rec.layer} is missing`, {
        hint: "remove the container (strata rm) and create it again",
      });
    }
  }
  const { layers, diffIds } = await deps.imageLayers();
  const top = await unpackLayers({ snapshotter: deps.snapshotter, applier: deps.applier, layers, diffIds });
  const init = await ensureInitLayer(deps.snapshotter, top);
  let mounts: Mount[];
  try {
    mounts = await deps.snapshotter.prepare(rec.id, init, { labels: { [THIN_LABEL]: "1", [CONTAINER_LABEL]: rec.id } });
  } catch (e) {
    // Prepared before, but the record that said so was lost in a crash: the key is the ID.
    if (!isAlreadyExists(e)) throw e;
    mounts = await deps.snapshotter.mounts(rec.id);
  }
  rec.layer = rec.id;
  rec.layerUpper = layerDirsOf(mounts).upper;
  return mounts;
}

/** Makes the image's init layer if it does not exist yet (shared by every container of the image). */
export async function ensureInitLayer(snapshotter: Snapshotter, imageTop: string | undefined): Promise<string> {
  const name = initLayerName(imageTop);
  try {
    await snapshotter.stat(name);
    return name;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const key = `${name}-${randomHex(6)}`;
  const mounts = await snapshotter.prepare(key, imageTop, { labels: { [THIN_LABEL]: "1", [INIT_LABEL]: imageTop ?? "scratch" } });
  try {
    await withMounted(mounts, async (root) => writeInitStubs(root));
    await snapshotter.commit(name, key);
  } catch (e) {
    await snapshotter.remove(key).catch(() => {});
    if (!isAlreadyExists(e)) throw e; // another command made it meanwhile
  }
  return name;
}

/** The empty mount points of INIT_DIRS and INIT_FILES the image lacks, resolved inside `root` as runc resolves them. */
async function writeInitStubs(root: string): Promise<void> {
  for (const dir of INIT_DIRS) {
    const host = await resolveInRoot(root, dir);
    if (!exists(host)) mkdirSync(host, { recursive: true, mode: 0o755 });
  }
  for (const file of INIT_FILES) {
    const host = await resolveInRoot(root, file);
    if (exists(host)) continue;
    mkdirSync(path.dirname(host), { recursive: true, mode: 0o755 });
    writeFileSync(host, "", { mode: 0o644 });
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    if (errnoCode(e) === "ENOTDIR") throw new StrataError("FAILED_PRECONDITION", `${p}: a parent is not a directory`);
    throw e;
  }
}

/**
 * The directories of a prepared writable layer, read without mounting: its upper directory and
 * the layers below it, nearest first (overlay's and fuse-overlayfs's mounts look alike).
 */
export function layerDirsOf(mounts: readonly Mount[]): { upper: string; lowers: string[]; work?: string } {
  const m = mounts.length === 1 ? mounts[0]! : undefined;
  if (m?.type === "bind") return { upper: m.source, lowers: [] };
  const opt = (name: string) => m?.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
  const upper = opt("upperdir");
  if (!m || (m.type !== "overlay" && m.type !== "fuse-overlayfs") || upper === undefined) {
    throw new StrataError("INTERNAL", `a container's writable layer must be an overlay, got ${JSON.stringify(mounts)}`);
  }
  return { upper, lowers: opt("lowerdir")?.split(":") ?? [], work: opt("workdir") };
}

/**
 * The same layer described as kernel-overlay mounts for the differ, which only reads these
 * directories (never mounts them): `upper` for the writable layer, `lower` for what it sits on.
 */
export function differMounts(mounts: readonly Mount[]): { upper: Mount[]; lower: Mount[] } {
  const { upper, lowers, work } = layerDirsOf(mounts);
  if (lowers.length === 0) {
    return { upper: [{ type: "overlay", source: "overlay", options: [`upperdir=${upper}`, `workdir=${work ?? upper}`] }], lower: [] };
  }
  const lowerdir = `lowerdir=${lowers.join(":")}`;
  return {
    upper: [{ type: "overlay", source: "overlay", options: [`workdir=${work}`, `upperdir=${upper}`, lowerdir] }],
    lower: [{ type: "overlay", source: "overlay", options: [lowerdir] }],
  };
}
