import type { Stats } from "node:fs";
import type { StatNumbers } from "@strata/core";

/**
 * What the stat cache compares: size, mtime, ctime, inode and device, plus the mode the entry
 * reports. Times are Node's float milliseconds (sub-microsecond precision at today's dates):
 * enough, because a change made after a file was hashed has a ctime at least the racy margin
 * (see StatCache) past the remembered one. Plain numbers (core's `lstatNumbers`) keep a
 * 20,000-file walk free of the Stats, BigInt and Date garbage that dominated its profile.
 */
export type StatIdentity = StatNumbers;

export const identityOf = (st: Stats): StatIdentity => ({
  dev: st.dev,
  mode: st.mode,
  ino: st.ino,
  size: st.size,
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
});
