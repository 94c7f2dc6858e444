import type { FileMeta } from "./file-meta.js";

/**
 * One entry of a layer, in layer order: depth-first, siblings sorted by the bytes of their
 * tar name (`.wh.NAME` for deletions), every parent before its children.
 * - add/modify: write `meta` (and, for a file, the bytes at `source`) at `path`;
 *   `opaque` on a directory also writes `path/.wh..wh..opq` right after it.
 * - delete: write the whiteout `dirname(path)/.wh.basename(path)`; one per deleted subtree.
 */
export type Change =
  | { kind: "add" | "modify"; path: string; source: string; meta: FileMeta; opaque?: boolean }
  | { kind: "delete"; path: string };

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_WHITEOUT = ".wh..wh..opq";

/** Byte-wise comparison of UTF-8 names (what `sort` does in the C locale). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order unless a surrogate pair meets U+E000..U+FFFF.
  if (!HIGH.test(a) || !HIGH.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const HIGH = /[\ud800-\uffff]/;

/** The name a child sorts under inside its directory. */
export const tarNameOf = (name: string, deleted: boolean): string => (deleted ? WHITEOUT_PREFIX + name : name);

export const joinRel = (dir: string, name: string): string => (dir === "" ? name : `${dir}/${name}`);
