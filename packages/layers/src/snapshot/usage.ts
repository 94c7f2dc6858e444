import { lstat, readdir } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import path from "node:path";
import { errnoCode } from "@strata/core";
import type { Usage } from "../types.js";

/** Decides whether an entry (path relative to the walked directory) counts. */
export type UsageFilter = (rel: string, st: BigIntStats) => boolean | Promise<boolean>;

/**
 * Walks `dir` and sums what it holds: `size` is the allocated bytes of regular files
 * (st_blocks × 512, as du reports; sparse files count what they occupy), `inodes` the
 * distinct inodes of every entry below `dir` (not `dir` itself). Hard links count once.
 * Entries rejected by `filter` are skipped, but their children are still visited.
 */
export async function diskUsage(dir: string, filter?: UsageFilter): Promise<Usage> {
  const seen = new Set<bigint>();
  let size = 0n;
  const pending = [""];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(path.join(dir, rel));
    } catch (e) {
      if (errnoCode(e) === "ENOENT" && rel === "") return { size: 0, inodes: 0 };
      throw e;
    }
    await inBatches(names, 64, async (name) => {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(path.join(dir, childRel), { bigint: true });
      if (st.isDirectory()) pending.push(childRel);
      if (seen.has(st.ino) || (filter && !(await filter(childRel, st)))) return;
      seen.add(st.ino);
      if (st.isFile()) size += st.blocks * 512n;
    });
  }
  return { size: Number(size), inodes: seen.size };
}

async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/**
 * A filter keeping entries that differ from the same path under `parentDir`: absent there,
 * or another type, mode, owner, size or mtime. Used where a snapshot is a full copy of its
 * parent, to count only what the snapshot changed. (Changes to xattrs alone are not seen.)
 */
export function changedFrom(parentDir: string): UsageFilter {
  return async (rel, st) => {
    let before: BigIntStats;
    try {
      before = await lstat(path.join(parentDir, rel), { bigint: true });
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return true;
      throw e;
    }
    return (
      before.mode !== st.mode ||
      before.uid !== st.uid ||
      before.gid !== st.gid ||
      before.size !== st.size ||
      before.mtimeNs !== st.mtimeNs ||
      before.rdev !== st.rdev
    );
  };
}
