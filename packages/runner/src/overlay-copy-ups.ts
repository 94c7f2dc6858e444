import { lstatSync, readdirSync, rmdirSync } from "node:fs";
import path from "node:path";
import { errnoCode } from "@strata/core";
import { pathExists, unmovedInRoot } from "./paths.js";

/** A lower directory the overlay will copy up into upperdir, and its metadata before the run. */
export interface CopyUp {
  upperDir: string;
  upperPath: string;
  meta: string;
}

/**
 * Making a stub inside a lower-only directory (e.g. /etc/hosts in an image's /etc) makes the
 * overlay copy that directory and its parents up into upperdir, where the layer diff would
 * see them. This notes which of `dirs` (host paths under the mounted `root`, and their
 * parents) are not in `upperDir` yet, with their metadata as seen through the overlay.
 */
export async function findCopyUps(root: string, upperDir: string, dirs: readonly string[]): Promise<CopyUp[]> {
  const found = new Map<string, CopyUp>();
  for (const dir of dirs) {
    for (let rel = path.relative(root, dir); rel !== "" && !rel.startsWith(".."); rel = parentOf(rel)) {
      const upperPath = path.join(upperDir, rel);
      if (found.has(upperPath) || (await pathExists(upperPath))) continue;
      found.set(upperPath, { upperDir, upperPath, meta: await metaOf(path.join(root, rel)) });
    }
  }
  return [...found.values()];
}

/**
 * Once the container is gone: removes each copied-up directory that is unchanged (same metadata as
 * before the run) and empty once its own copied-up children are gone, deepest first, so
 * the lower one shows through again exactly as before. Metadata is judged before removing
 * anything, since removing a child changes its parent's mtime. A directory the run really
 * changed (an entry, mode, owner or mtime) stays, and so does one that still holds
 * anything, such as a mount-point directory the run made in it (kept, as BuildKit does).
 *
 * The overlay may still be mounted: changing a layer under a mount only leaves that mount's own
 * view undefined (never a crash, per the kernel's overlayfs docs), and nothing reads the merged
 * view again. This lets the slow unmount run later, in the background.
 */
export async function dropCopyUps(copyUps: readonly CopyUp[]): Promise<void> {
  const unchanged: CopyUp[] = [];
  for (const c of copyUps) {
    if (!(await unmovedInRoot(c.upperDir, c.upperPath))) continue;
    const meta = await metaOf(c.upperPath).catch((e: unknown) => {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
      throw e;
    });
    if (meta === c.meta) unchanged.push(c);
  }
  unchanged.sort((a, b) => b.upperPath.length - a.upperPath.length);
  for (const c of unchanged) {
    if (readdirSync(c.upperPath).length === 0) rmdirSync(c.upperPath);
  }
}

const parentOf = (rel: string) => (path.dirname(rel) === "." ? "" : path.dirname(rel));

/** Type and mode, owner and mtime: what a layer diff compares for a directory. */
async function metaOf(p: string): Promise<string> {
  const st = lstatSync(p, { bigint: true });
  return `${st.mode} ${st.uid}:${st.gid} ${st.mtimeNs}`;
}
