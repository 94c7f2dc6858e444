import type { FileEntry } from "../flatten/file-entry.js";

/**
 * Hardlink groups of a flattened image: path → all paths sharing its inode (sorted), for
 * paths in a group of two or more. Which member a tar stores as the "file" and which as the
 * "hardlink" is an artefact of entry order, so comparisons use groups, not link directions.
 */
export function hardlinkGroups(files: Map<string, FileEntry>): Map<string, string[]> {
  const parent = new Map<string, string>();
  const find = (p: string): string => {
    let r = p;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const [p, e] of files) {
    if (e.type !== "hardlink" || !e.linkTarget) continue;
    const target = files.get(e.linkTarget);
    // A link whose target was later replaced by different content no longer shares its inode.
    if (!target || target.sha256 !== e.sha256) continue;
    const [ra, rb] = [find(p), find(e.linkTarget)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const linked = new Set([...parent.keys(), ...parent.values()]);
  const groups = new Map<string, string[]>();
  for (const p of files.keys()) {
    if (!linked.has(p)) continue;
    const root = find(p);
    const g = groups.get(root) ?? [];
    g.push(p);
    groups.set(root, g);
  }
  const out = new Map<string, string[]>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort();
    for (const p of g) out.set(p, g);
  }
  return out;
}
