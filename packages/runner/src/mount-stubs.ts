import { lstatSync, readdirSync, unlinkSync, utimesSync } from "node:fs";
import path from "node:path";
import { errnoCode, resolveInRoot, runChecked } from "@strata/core";
import { findCopyUps, type CopyUp } from "./overlay-copy-ups.js";
import { pathExists, unmovedInRoot } from "./paths.js";

/**
 * The mount stubs a run will cause, as host paths, plus what is needed to undo their side
 * effects. Plain JSON (times as decimal strings) so a bundle can keep it for crash recovery.
 */
export interface MountStubs {
  /** The container's root as a host path. */
  root: string;
  /** Paths that did not exist before the run (destinations and their missing parents). */
  stubs: string[];
  /** The nearest existing ancestor of each stub: its times and entry list before the run. */
  anchors: Array<{ dir: string; atimeNs: string; mtimeNs: string; entries: string }>;
  /** Overlay only: lower directories the stubs will make the overlay copy up (see `dropCopyUps`). */
  copyUps: CopyUp[];
}

/**
 * Notes which mount destinations (and their parents) do not exist yet in `root`, resolving
 * symlinks inside the root as the runtime will, so that the empty files the runtime creates
 * for file mounts can be removed after the run and do not end up in the layer (the
 * directories it creates stay, see `removeMountStubs`).
 */
export async function findMountStubs(
  rootDir: string,
  destinations: readonly string[],
  overlayUpperDir?: string,
): Promise<MountStubs> {
  const root = path.resolve(rootDir);
  const stubs = new Set<string>();
  const anchors = new Map<string, MountStubs["anchors"][number]>();
  for (const destination of destinations) {
    const target = await resolveInRoot(root, destination);
    let p = target;
    while (p !== root && !(await pathExists(p))) {
      stubs.add(p);
      p = path.dirname(p);
    }
    if (p !== target && !anchors.has(p)) {
      const st = lstatSync(p, { bigint: true });
      anchors.set(p, { dir: p, atimeNs: String(st.atimeNs), mtimeNs: String(st.mtimeNs), entries: entriesOf(p) });
    }
  }
  const copyUps = overlayUpperDir === undefined ? [] : await findCopyUps(root, overlayUpperDir, [...anchors.keys()]);
  return { root, stubs: [...stubs], anchors: [...anchors.values()], copyUps };
}

/**
 * Removes the empty stub files the runtime made for file mounts (/etc/hosts, /etc/resolv.conf,
 * /etc/hostname, file binds), then gives each anchor its times back when its entries are the
 * same as before. Stub directories (/proc, /sys, /dev, directory mount targets) stay, exactly
 * as BuildKit leaves them in the layer, so images match Docker's on bases that lack them.
 * Call it once the runtime is gone.
 */
export async function removeMountStubs(found: MountStubs): Promise<void> {
  const deepestFirst = [...found.stubs].sort((a, b) => b.length - a.length);
  for (const stub of deepestFirst) {
    if (await unmovedInRoot(found.root, stub)) await removeIfEmptyFile(stub);
  }
  for (const anchor of found.anchors) {
    // Gone when recovery runs on a bundle whose rootfs is no longer mounted.
    if (!(await unmovedInRoot(found.root, anchor.dir)) || !isDirectory(anchor.dir)) continue;
    let now: string | undefined;
    try {
      now = entriesOf(anchor.dir);
    } catch {
      continue;
    }
    if (now === anchor.entries) await restoreTimes(anchor.dir, BigInt(anchor.atimeNs), BigInt(anchor.mtimeNs));
  }
}


/**
 * Node's utimes is exact to the microsecond, which covers times unpacked from layer tars;
 * only a finer mtime (a directory made on this host) needs GNU touch, since the differ
 * compares mtimes to the nanosecond.
 */
async function restoreTimes(dir: string, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  const seconds = (ns: bigint) => Number(ns / 1000n) / 1e6;
  utimesSync(dir, seconds(atimeNs), seconds(mtimeNs));
  if (lstatSync(dir, { bigint: true }).mtimeNs === mtimeNs) return;
  const frac = (mtimeNs % 1_000_000_000n).toString().padStart(9, "0");
  await runChecked("touch", ["-m", "-c", "-d", `@${mtimeNs / 1_000_000_000n}.${frac}`, dir]);
}

function isDirectory(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return false;
    throw e;
  }
}

function entriesOf(dir: string): string {
  return readdirSync(dir).sort().join("\0");
}

async function removeIfEmptyFile(p: string): Promise<void> {
  try {
    const st = lstatSync(p);
    if (st.isFile() && st.size === 0) {
      unlinkSync(p);
    }
  } catch (e) {
    if (errnoCode(e) !== "ENOENT" && errnoCode(e) !== "ENOTEMPTY") throw e;
  }
}
