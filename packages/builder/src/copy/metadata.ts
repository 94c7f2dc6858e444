import { chmod, lchown, lutimes } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { WriteAttrs } from "./types.js";

const IS_ROOT = process.getuid?.() === 0;
const OWN_UID = process.geteuid?.() ?? -1;
const OWN_GID = process.getegid?.() ?? -1;

/** The owner an entry gets: --chown, else 0:0 for context sources, else the source's own. */
export function ownerFor(st: Pick<Stats, "uid" | "gid">, attrs: WriteAttrs): { uid: number; gid: number } {
  if (attrs.owner) return attrs.owner;
  if (attrs.rootOwned) return { uid: 0, gid: 0 };
  return { uid: st.uid, gid: st.gid };
}

/** The mtime an entry gets: the source's, clamped to SOURCE_DATE_EPOCH. */
export function mtimeFor(st: Pick<Stats, "mtimeMs">, attrs: WriteAttrs): Date {
  const ms = attrs.epoch !== undefined ? Math.min(st.mtimeMs, attrs.epoch * 1000) : st.mtimeMs;
  return new Date(ms);
}

/** A time for entries that have no source (created parents, heredocs): epoch if set, else now. */
export const creationTime = (attrs: WriteAttrs): Date => (attrs.epoch !== undefined ? new Date(attrs.epoch * 1000) : new Date());

/**
 * Set owner, then mode (chown clears set-id bits, so mode comes after), then times.
 * Symlinks get owner and times only. Without root, ownership is left as is.
 */
export async function applyMetadata(
  target: string,
  opts: { uid: number; gid: number; mode?: number; mtime: Date; atime?: Date; symlink?: boolean; createdInPlainDir?: boolean },
): Promise<void> {
  // A file just created in a directory without setgid already has our euid/egid: skip the syscall.
  const alreadyOwned = opts.createdInPlainDir === true && opts.uid === OWN_UID && opts.gid === OWN_GID;
  if (IS_ROOT && !alreadyOwned) await lchown(target, opts.uid, opts.gid);
  if (!opts.symlink && opts.mode !== undefined) await chmod(target, opts.mode);
  await lutimes(target, opts.atime ?? opts.mtime, opts.mtime);
}
