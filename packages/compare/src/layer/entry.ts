import type { Digest } from "@strata/core";

export type EntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** One path a layer writes (not a whiteout): its metadata, and where to find its content. */
export interface LayerEntry {
  /** Absolute and clean: "/etc/passwd". */
  path: string;
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target as stored, or a hardlink's target path (absolute, clean). */
  link?: string;
  /** "major,minor" of a device node. */
  device?: string;
  /** Extended attributes, values in base64. */
  xattrs?: Record<string, string>;
  /** sha256 of the content, when the layer was read as a stream. */
  digest?: Digest;
  /** The uncompressed layer tar holding the content at `offset`, when it can be read in place. */
  file?: string;
  offset?: number;
}

/** What one layer does to the filesystem below it. */
export interface LayerIndex {
  /** Paths written, in tar order. */
  entries: LayerEntry[];
  /** Paths removed from the layers below (`.wh.NAME`). */
  whiteouts: string[];
  /** Directories whose contents below are hidden (`.wh..wh..opq`). */
  opaques: string[];
  /** Docker's DiffSize: bytes of regular files plus symlink target lengths. */
  diffSize: number;
}

/** Bytes an entry adds to DiffSize. */
export function entryBytes(e: LayerEntry): number {
  if (e.type === "file") return e.size;
  if (e.type === "symlink") return Buffer.byteLength(e.link ?? "");
  return 0;
}
