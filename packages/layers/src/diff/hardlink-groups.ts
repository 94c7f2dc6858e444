import { joinRel } from "./change.js";
import { sameMeta, type FileMeta } from "./file-meta.js";
import type { LowerSource, UpperSource } from "./tree-diff.js";

/** What one walk of the upper tree learns before the diff: its directories and hardlinked files. */
export interface UpperSurvey {
  /** Every directory of the upper tree, "" (the root) first, parents before children. */
  dirs: string[];
  /** Upper paths sharing an inode, one group per inode with at least two names. */
  linkGroups: { rel: string; meta: FileMeta }[][];
}

/** Walks the upper tree's listings (overlay: the upperdir only) once. */
export async function surveyUpper(upper: UpperSource, upperRoot: string, rootComplete: boolean): Promise<UpperSurvey> {
  const dirs: string[] = [];
  const groups = new Map<string, { rel: string; meta: FileMeta }[]>();
  const walk = async (rel: string, dir: string, complete: boolean): Promise<void> => {
    dirs.push(rel);
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
  return { dirs, linkGroups: [...groups.values()].filter((g) => g.length > 1) };
}

/**
 * Paths that must be written although their own metadata did not change: the other names of
 * a hardlinked inode of which at least one name changed. Without them a new link to an
 * unchanged file (`ln /bin/a /bin/b`) would become a full copy and lose the link on apply;
 * with them the first name in layer order carries the data and the others are link entries.
 */
export async function forcedHardlinks(survey: UpperSurvey, lower: LowerSource): Promise<Set<string>> {
  const forced = new Set<string>();
  for (const members of survey.linkGroups) {
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
