import { lstat, readdir, readlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import path from "node:path";

export type EntryKind = "dir" | "file" | "symlink" | "hardlink" | "special";

/** One thing to write, in pre-order (a directory before its children). */
export interface PlanEntry {
  kind: EntryKind;
  /** Host path of the source. */
  src: string;
  /** Path relative to the copy target ("" = the target itself). */
  rel: string;
  stat: Stats;
  /** symlink: its target; hardlink: the `rel` of the first path of the same inode. */
  link?: string;
}

export interface WalkFilters {
  /** .dockerignore, matched against `ignorePrefix/rel`; true = excluded. */
  ignore?: (relPath: string) => boolean;
  /** Whether an excluded directory may still hold re-included files (so must be walked). */
  ignoreHasNegations?: boolean;
  /** The source's own path relative to the context root, for `ignore`. */
  ignorePrefix?: string;
  /** --exclude, matched against `rel`; true = excluded. */
  exclude?: (rel: string) => boolean;
  /** --exclude has "!" patterns. */
  excludeHasNegations?: boolean;
}

/** Hardlink bookkeeping shared across one request: "dev:ino" → rel of the first copy (per target). */
export type InodeMap = Map<string, string>;

/**
 * Plan the copy of a directory's contents: the directory itself (rel "") then every descendant.
 * Symlinks are kept as symlinks; a second path to an already-seen inode becomes a hardlink.
 * Excluded directories are skipped unless a "!" pattern might re-include something inside, in
 * which case they appear only when they do.
 */
export async function planDirectory(srcDir: string, rootStat: Stats, filters: WalkFilters): Promise<PlanEntry[]> {
  const out: PlanEntry[] = [{ kind: "dir", src: srcDir, rel: "", stat: rootStat }];
  const inodes: InodeMap = new Map();
  await walk(srcDir, "", filters, inodes, out);
  return out;
}

async function walk(dir: string, rel: string, f: WalkFilters, inodes: InodeMap, out: PlanEntry[]): Promise<void> {
  const names = (await readdir(dir)).sort();
  const stats = await Promise.all(names.map((n) => lstat(path.join(dir, n))));
  const links = await Promise.all(
    names.map((n, i) => (stats[i]!.isSymbolicLink() ? readlink(path.join(dir, n)) : Promise.resolve(undefined))),
  );
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const st = stats[i]!;
    const childRel = rel === "" ? name : `${rel}/${name}`;
    const src = path.join(dir, name);
    const ignored = f.ignore?.(f.ignorePrefix ? `${f.ignorePrefix}/${childRel}` : childRel) ?? false;
    const excluded = f.exclude?.(childRel) ?? false;
    if (st.isDirectory()) {
      if ((ignored && !f.ignoreHasNegations) || (excluded && !f.excludeHasNegations)) continue;
      const at = out.length;
      out.push({ kind: "dir", src, rel: childRel, stat: st });
      await walk(src, childRel, f, inodes, out);
      if ((ignored || excluded) && out.length === at + 1) out.pop();
      continue;
    }
    if (ignored || excluded) continue;
    out.push(leafEntry(src, childRel, st, links[i], inodes));
  }
}

/** A non-directory entry; regular files with several links are deduplicated by inode. */
export function leafEntry(src: string, rel: string, st: Stats, link: string | undefined, inodes: InodeMap): PlanEntry {
  if (st.isSymbolicLink()) return { kind: "symlink", src, rel, stat: st, link };
  if (st.isFile()) {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = inodes.get(key);
      if (first !== undefined) return { kind: "hardlink", src, rel, stat: st, link: first };
      inodes.set(key, rel);
    }
    return { kind: "file", src, rel, stat: st };
  }
  return { kind: "special", src, rel, stat: st };
}
