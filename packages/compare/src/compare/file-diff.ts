import type { ContentComparer } from "../layer/content.js";
import type { EntryType, LayerIndex } from "../layer/entry.js";
import type { FlatTree, TreeNode } from "../tree/flatten.js";

/** What differs between two versions of a path. */
export type ChangeKind = "type" | "content" | "mode" | "owner" | "link" | "hardlink" | "device" | "xattrs" | "mtime";

/** One side's version of a path, and the step whose layer last wrote it. */
export interface FileVersion {
  type: EntryType;
  size: number;
  mode: string;
  uid: number;
  gid: number;
  mtime: number;
  link?: string;
  device?: string;
  digest?: string;
  /** History index of the step that wrote it. */
  step: number;
  layer: number;
}

export interface FileChange {
  path: string;
  change: "added" | "removed" | "changed";
  /** For "changed": what differs. */
  what: ChangeKind[];
  a?: FileVersion;
  b?: FileVersion;
}

export interface TreeDiffOptions {
  ignoreTimestamps?: boolean;
  /** Paths to look at (all when absent). */
  include?: (path: string) => boolean;
  /** History index of each layer's step, per side. */
  stepOfLayerA: readonly number[];
  stepOfLayerB: readonly number[];
}

/**
 * The file-level difference of two flattened filesystems, sorted by path. Directories differ
 * only by their own mode, owner and xattrs (their mtime and size follow their contents, as in
 * Docker's changes); regular files and symlinks also by content or target and, unless
 * timestamps are ignored, mtime. A hardlink counts as the file it links to.
 */
export function diffTrees(a: FlatTree, b: FlatTree, cmp: ContentComparer, opts: TreeDiffOptions): FileChange[] {
  const include = opts.include ?? (() => true);
  const out: FileChange[] = [];
  const version = (n: TreeNode, steps: readonly number[]): FileVersion => describe(n, steps[n.layer] ?? -1);
  for (const [path, na] of a.nodes) {
    if (!include(path)) continue;
    const nb = b.nodes.get(path);
    if (!nb) {
      out.push({ path, change: "removed", what: [], a: version(na, opts.stepOfLayerA) });
      continue;
    }
    if (na.entry === nb.entry) continue; // the same layer wrote both
    const what = nodeDifferences(na, nb, cmp, opts.ignoreTimestamps ?? false);
    if (what.length === 0) continue;
    if (what.includes("content")) {
      // Few files change: their digests are worth reading for the report.
      cmp.digest(na.inode?.entry ?? na.entry);
      cmp.digest(nb.inode?.entry ?? nb.entry);
    }
    out.push({ path, change: "changed", what, a: version(na, opts.stepOfLayerA), b: version(nb, opts.stepOfLayerB) });
  }
  for (const [path, nb] of b.nodes) {
    if (!include(path) || a.nodes.has(path)) continue;
    out.push({ path, change: "added", what: [], b: version(nb, opts.stepOfLayerB) });
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** A hardlink to a known file is that file, as far as the filesystem shows. */
const effectiveType = (n: TreeNode): EntryType => (n.entry.type === "hardlink" && n.inode ? "file" : n.entry.type);

export function nodeDifferences(na: TreeNode, nb: TreeNode, cmp: ContentComparer, ignoreTimestamps: boolean): ChangeKind[] {
  const a = na.entry;
  const b = nb.entry;
  const type = effectiveType(na);
  if (type !== effectiveType(nb)) return ["type"];
  const what: ChangeKind[] = [];
  if (type === "file") {
    const ca = na.inode?.entry ?? a;
    const cb = nb.inode?.entry ?? b;
    if (!cmp.same(ca, cb)) what.push("content");
  }
  if (a.mode !== b.mode) what.push("mode");
  if (a.uid !== b.uid || a.gid !== b.gid) what.push("owner");
  if (type === "symlink" && a.link !== b.link) what.push("link");
  if (type === "file" && (a.type === "hardlink" ? a.link : undefined) !== (b.type === "hardlink" ? b.link : undefined)) what.push("hardlink");
  if ((type === "char" || type === "block") && a.device !== b.device) what.push("device");
  if ((a.xattrs || b.xattrs) && JSON.stringify(a.xattrs ?? {}) !== JSON.stringify(b.xattrs ?? {})) what.push("xattrs");
  if (!ignoreTimestamps && type !== "dir" && a.mtime !== b.mtime) what.push("mtime");
  return what;
}

function describe(n: TreeNode, step: number): FileVersion {
  const e = n.entry;
  const content = n.inode?.entry ?? e;
  const v: FileVersion = {
    type: effectiveType(n),
    size: e.type === "symlink" ? Buffer.byteLength(e.link ?? "") : content.size,
    mode: `0${e.mode.toString(8).padStart(3, "0")}`,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    step,
    layer: n.layer,
  };
  if (e.link !== undefined) v.link = e.link;
  if (e.device !== undefined) v.device = e.device;
  if (content.digest) v.digest = content.digest;
  return v;
}

/**
 * What two layers of one step write differently (the files a divergent step names): paths only
 * one of them writes or deletes, and paths both write with different results.
 */
export function diffLayerWrites(
  a: LayerIndex,
  b: LayerIndex,
  cmp: ContentComparer,
  ignoreTimestamps: boolean,
): { path: string; change: "only-a" | "only-b" | "changed"; what: ChangeKind[] }[] {
  const writes = (l: typeof a) => {
    const m = new Map<string, TreeNode | "deleted">();
    for (const w of [...l.whiteouts, ...l.opaques.map((d) => `${d}/*`)]) m.set(w, "deleted");
    for (const e of l.entries) m.set(e.path, { entry: e, layer: 0 });
    return m;
  };
  const wa = writes(a);
  const wb = writes(b);
  const out: { path: string; change: "only-a" | "only-b" | "changed"; what: ChangeKind[] }[] = [];
  for (const [path, x] of wa) {
    const y = wb.get(path);
    if (y === undefined) out.push({ path, change: "only-a", what: [] });
    else if (x === "deleted" || y === "deleted") {
      if (x !== y) out.push({ path, change: "changed", what: ["type"] });
    } else {
      const what = nodeDifferences(x, y, cmp, ignoreTimestamps);
      if (what.length) out.push({ path, change: "changed", what });
    }
  }
  for (const path of wb.keys()) if (!wa.has(path)) out.push({ path, change: "only-b", what: [] });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
