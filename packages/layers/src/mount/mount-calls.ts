import type { Mount } from "@strata/core";

/** One mount(2) call: what `mount(8)` would make of a mount entry, call by call. */
export interface MountCall {
  source: string;
  target: string;
  fstype: string;
  flags: number;
  data: string;
}

// <linux/mount.h>
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_REMOUNT = 32;
const MS_NOATIME = 1024;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_UNBINDABLE = 1 << 17;
const MS_PRIVATE = 1 << 18;
const MS_SLAVE = 1 << 19;
const MS_SHARED = 1 << 20;
const MS_RELATIME = 1 << 21;
const MS_STRICTATIME = 1 << 24;

const FLAG_OPTIONS: Record<string, number> = {
  ro: MS_RDONLY,
  nosuid: MS_NOSUID,
  nodev: MS_NODEV,
  noexec: MS_NOEXEC,
  noatime: MS_NOATIME,
  relatime: MS_RELATIME,
  strictatime: MS_STRICTATIME,
};
// Options that only clear a flag (the default state): nothing to pass.
const DEFAULT_OPTIONS = new Set(["rw", "suid", "dev", "exec", "defaults"]);
const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/**
 * The mount(2) calls `mount -t TYPE -o OPTIONS SOURCE TARGET` makes: flag options become flags,
 * the rest is the filesystem's data string; a bind mount cannot take flags when it is made, so
 * they come in a second, remounting call (as `mount -o bind,ro` does); propagation changes are
 * calls of their own.
 */
export function mountCalls(m: Mount, target: string): MountCall[] {
  let flags = 0;
  let bind = m.type === "bind";
  let recursive = false;
  const data: string[] = [];
  const propagation: number[] = [];
  for (const option of m.options) {
    if (option === "bind" || option === "rbind") {
      bind = true;
      recursive ||= option === "rbind";
    } else if (option in FLAG_OPTIONS) flags |= FLAG_OPTIONS[option]!;
    else if (option in PROPAGATION_OPTIONS) propagation.push(PROPAGATION_OPTIONS[option]!);
    else if (!DEFAULT_OPTIONS.has(option)) data.push(option);
  }
  const calls: MountCall[] = [];
  if (bind) {
    calls.push({ source: m.source, target, fstype: "", flags: MS_BIND | (recursive ? MS_REC : 0), data: "" });
    if (flags !== 0) calls.push({ source: "", target, fstype: "", flags: MS_REMOUNT | MS_BIND | flags, data: "" });
  } else {
    calls.push({ source: m.source, target, fstype: m.type, flags, data: data.join(",") });
  }
  for (const p of propagation) calls.push({ source: "", target, fstype: "", flags: p, data: "" });
  return calls;
}
