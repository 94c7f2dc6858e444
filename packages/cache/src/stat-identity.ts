import type { Stats } from "node:fs";

/**
 * What the stat cache compares: size, mtime, ctime, inode and device, plus the mode the entry
 * reports. Times are Node's float milliseconds (sub-microsecond precision at today's dates):
 * enough, because a change made after a file was hashed has a ctime at least the racy margin
 * (see StatCache) past the remembered one. Plain numbers keep a 20,000-file walk free of the
 * BigInt and Date garbage that dominated its profile.
 */
export interface StatIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  mode: number;
}

export const identityOf = (st: Stats): StatIdentity => ({
  size: st.size,
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
  ino: st.ino,
  dev: st.dev,
  mode: st.mode,
});
