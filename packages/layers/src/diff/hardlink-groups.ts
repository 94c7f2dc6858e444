import { joinRel } from "./change.js";
import { sameMeta, type FileMeta } from "./file-meta.js";
import type { LowerSource, UpperSource } from "./tree-diff.js";

/**
 * Paths that must be written although their own metadata did not change: the other names of
 * a hardlinked inode of which at least one name changed. Without them a new link to an
 * unchanged file (`ln /bin/a /bin/b`) would become a full copy and lose the link on apply;
 * with them the first name in layer order carries the data and the others are link entries.
 * Reads the upper tree's listings once more (overlay: the upperdir only).
 */
export async function forcedHardlinks(upper: UpperSource, upperRoot: string, rootComplete: boolean, lower: LowerSource | undefined): Promise<Set<string>> {
  const forced = new Set<string>();
  if (!lower) return forced; // everything is an add already
  const groups = new Map<string, { rel: string; meta: FileMeta }[]>();
  const walk = async (rel: string, dir: string, complete: boolean): Promise<void> => {
    const listing = await upper.list(rel, dir, complete);
    for (const e of listing.entries) {
      const childRel = joinRel(rel, e.name);
      if (e.meta.type === "dir") await walk(childRel, e.source, listing.complete || e.opaque);
      else if (e.meta.type === "file" && e.meta.nlink > 1) {
        const key = `${e.meta.dev}:${e.meta.ino}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push({ rel: childRel, meta: e.meta });
      }
    }
  };
  await walk("", upperRoot, rootComplete);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const lowerMetas = await Promise.all(members.map((m) => lower.meta(m.rel)));
    const xattrs = await lower.xattrs(members.map((m) => m.rel));
    const changed = members.some((m, i) => {
      const lm = lowerMetas[i];
      return !lm || !sameMeta({ ...lm, xattrs: xattrs.get(m.rel) ?? lm.xattrs }, m.meta);
    });
    if (changed) for (const m of members) forced.add(m.rel);
  }
  return forced;
}
