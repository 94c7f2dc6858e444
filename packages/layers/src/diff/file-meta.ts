import { lstat, readlink } from "node:fs/promises";
import { lstatSync, readlinkSync, type BigIntStats, type Stats } from "node:fs";
import { errnoCode } from "@strata/core";
import { NO_XATTRS, sameXattrs, type Xattrs } from "./xattrs.js";

export type FileType = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

/** What a layer records about one filesystem object. */
export interface FileMeta {
  type: FileType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  rdev: number;
  dev: bigint;
  ino: bigint;
  nlink: number;
  /** Symlink target; set for symlinks only. */
  linkTarget?: string;
  /** Layer xattrs only (see `isLayerXattr`). */
  xattrs: Xattrs;
}

export function fileTypeOf(st: BigIntStats): FileType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return "socket";
}

/** lstat + readlink; undefined when the path does not exist. Xattrs are filled in by the caller. */
export async function readMeta(file: string, xattrs: Xattrs = NO_XATTRS): Promise<FileMeta | undefined> {
  let st: BigIntStats;
  try {
    st = await lstat(file, { bigint: true });
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
  return metaOf(st, xattrs, st.isSymbolicLink() ? await readlink(file) : undefined);
}

/**
 * Synchronous `readMeta`, for the change walks: on metadata the kernel has cached, a
 * synchronous lstat costs a few microseconds where the promise API costs tens (measured: a
 * double walk of /usr, 140k entries a side, 21 s with fs/promises).
 */
export function readMetaSync(file: string, xattrs: Xattrs = NO_XATTRS): FileMeta | undefined {
  const st = lstatSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) return undefined;
  return metaOf(st, xattrs, st.isSymbolicLink() ? readlinkSync(file) : undefined);
}

/** lstat, or undefined when the path (or a parent, as a non-directory) is not there. */
export function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
}

export function metaOf(st: BigIntStats, xattrs: Xattrs, linkTarget?: string): FileMeta {
  const type = fileTypeOf(st);
  return {
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: type === "file" ? Number(st.size) : 0,
    mtimeNs: st.mtimeNs,
    rdev: Number(st.rdev),
    dev: st.dev,
    ino: st.ino,
    nlink: Number(st.nlink),
    linkTarget,
    xattrs,
  };
}

/** Overlay's whiteout: a character device 0/0. */
export const isWhiteoutDevice = (m: Pick<FileMeta, "type" | "rdev">): boolean => m.type === "char" && m.rdev === 0;

/**
 * Whether two objects are the same for a layer: type, mode, owner, size, mtime (ns), link
 * target, device numbers and layer xattrs. Directory sizes and inode identity are ignored.
 * Both change sources decide with this one function, which keeps their layers identical.
 */
export function sameMeta(a: FileMeta, b: FileMeta, withXattrs = true): boolean {
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.linkTarget === b.linkTarget &&
    ((a.type !== "char" && a.type !== "block") || a.rdev === b.rdev) &&
    (!withXattrs || sameXattrs(a.xattrs, b.xattrs))
  );
}
