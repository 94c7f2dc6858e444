import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StrataError, errorMessage, runChecked, type Mount } from "@strata/core";
import { mountCalls } from "./mount-calls.js";
import { MNT_DETACH, MountHelperGone, MountSyscallError, mountHelper } from "./mount-helper.js";
import { teardownsSettled } from "./teardown.js";

/**
 * mount(2) copies its option string into a single page, so the whole option string must stay
 * below 4096 bytes. Above this threshold the overlay paths are rewritten relative to their
 * common parent and the mount is made from that directory (the helper changes into it, or
 * `mount` runs there): the kernel resolves relative layer paths against the caller's cwd, as
 * containerd relies on.
 */
const MAX_OPTIONS_BYTES = 4000;
const OVERLAY_PATH_OPTIONS = ["lowerdir=", "upperdir=", "workdir="];

/** Mounts every entry of `mounts` onto `target`, in order. On failure, undoes what it mounted. */
export async function mountAll(mounts: readonly Mount[], target: string): Promise<void> {
  // A layer still being unmounted as an upper must not be mounted again, as a lower.
  await teardownsSettled();
  let mounted = 0;
  try {
    for (const m of mounts) {
      await mountOne(m, target);
      mounted++;
    }
  } catch (e) {
    for (; mounted > 0; mounted--) await unmount(target).catch(() => {});
    throw e;
  }
}

async function mountOne(m: Mount, target: string): Promise<void> {
  if (m.type === "fuse-overlayfs") return mountFuseOverlay(m, target);
  let options = [...m.options];
  let cwd: string | undefined;
  if (m.type === "overlay" && options.join(",").length > MAX_OPTIONS_BYTES) {
    ({ options, cwd } = relativeOverlayOptions(options));
  }
  try {
    const helper = mountHelper();
    if (helper) {
      let made = 0;
      try {
        for (const call of mountCalls({ ...m, options }, target)) {
          await helper.mount(call, cwd);
          made++;
        }
      } catch (e) {
        // A bind mount whose remount (ro, nosuid…) failed must not stay mounted writable.
        if (made > 0) await helper.unmount(target, MNT_DETACH).catch(() => {});
        throw e;
      }
      return;
    }
    const args = ["-t", m.type];
    if (options.length > 0) args.push("-o", options.join(","));
    args.push(m.source, target);
    await runChecked("mount", args, { cwd });
  } catch (e) {
    throw new StrataError("INTERNAL", `mount ${m.type} on ${target}: ${errorMessage(e)}`, {
      cause: e,
      detail: { source: m.source, options: m.options },
      hint: process.getuid?.() === 0 ? undefined : "mounting needs root; use the native snapshotter",
    });
  }
}

/**
 * fuse-overlayfs (the native snapshotter's thin layers): a FUSE daemon that forks into the
 * background and serves the mount until it is unmounted, which umount2(2) does as for any
 * other mount. `allow_other` lets the container's non-root users in (FUSE admits only the
 * mounting user otherwise); the kernel checks permissions as on any filesystem.
 */
async function mountFuseOverlay(m: Mount, target: string): Promise<void> {
  const options = [...m.options, "allow_other", "default_permissions"].join(",");
  try {
    await runChecked("fuse-overlayfs", ["-o", options, target]);
  } catch (e) {
    const missing = (e as { code?: string }).code === "ENOENT";
    throw new StrataError(missing ? "UNAVAILABLE" : "INTERNAL", `mount fuse-overlayfs on ${target}: ${errorMessage(e)}`, {
      cause: e,
      detail: { options: m.options },
      hint: missing
        ? "the native snapshotter's thin layers need fuse-overlayfs: apt-get install fuse-overlayfs"
        : "fuse-overlayfs needs /dev/fuse (modprobe fuse) and root",
    });
  }
}

/** Rewrites lowerdir/upperdir/workdir paths relative to their deepest common directory. */
export function relativeOverlayOptions(options: readonly string[]): { options: string[]; cwd: string } {
  const paths: string[] = [];
  for (const o of options) {
    const prefix = OVERLAY_PATH_OPTIONS.find((p) => o.startsWith(p));
    if (prefix) paths.push(...o.slice(prefix.length).split(":"));
  }
  const cwd = commonDirectory(paths);
  const rewritten = options.map((o) => {
    const prefix = OVERLAY_PATH_OPTIONS.find((p) => o.startsWith(p));
    if (!prefix) return o;
    const rel = o
      .slice(prefix.length)
      .split(":")
      .map((p) => path.relative(cwd, p) || ".");
    return prefix + rel.join(":");
  });
  return { options: rewritten, cwd };
}

function commonDirectory(paths: readonly string[]): string {
  const split = paths.map((p) => path.resolve(p).split(path.sep));
  const first = split[0] ?? [""];
  let n = 0;
  // Stop one short of the shortest path so the common part is a directory, never a layer itself.
  const limit = Math.min(...split.map((s) => s.length)) - 1;
  while (n < limit && split.every((s) => s[n] === first[n])) n++;
  return first.slice(0, n).join(path.sep) || path.sep;
}

export interface UnmountOptions {
  /** Attempts before falling back to a lazy (detaching) unmount. */
  retries?: number;
  /** Pause between attempts, in milliseconds. */
  delayMs?: number;
}

/**
 * Unmounts `target`. A busy target is retried, then detached lazily as a last resort so the
 * caller can always proceed. A target that is not mounted is not an error.
 */
export async function unmount(target: string, opts: UnmountOptions = {}): Promise<void> {
  const retries = opts.retries ?? 10;
  const delayMs = opts.delayMs ?? 50;
  for (let attempt = 0; ; attempt++) {
    try {
      await unmountOnce(target, false);
      return;
    } catch (e) {
      const code = unmountFailure(e);
      if (code === "not-mounted") return;
      if (code !== "busy") throw new StrataError("INTERNAL", `umount ${target}: ${errorMessage(e)}`, { cause: e });
      if (attempt >= retries) break;
      await sleep(delayMs);
    }
  }
  try {
    await unmountOnce(target, true);
  } catch (e) {
    throw new StrataError("INTERNAL", `umount --lazy ${target}: ${errorMessage(e)}`, { cause: e });
  }
}

async function unmountOnce(target: string, lazy: boolean): Promise<void> {
  const helper = mountHelper();
  try {
    if (helper) return await helper.unmount(target, lazy ? MNT_DETACH : 0);
  } catch (e) {
    // An unmount can always be tried again (not mounted counts as done): umount(8) takes over.
    if (!(e instanceof MountHelperGone)) throw e;
  }
  await runChecked("umount", lazy ? ["--lazy", target] : [target]);
}

function unmountFailure(e: unknown): "not-mounted" | "busy" | "other" {
  if (e instanceof MountSyscallError) {
    // EINVAL: not a mount point; ENOENT: no such path.
    if (e.code === "EINVAL" || e.code === "ENOENT") return "not-mounted";
    return e.code === "EBUSY" ? "busy" : "other";
  }
  const msg = errorMessage(e);
  if (/not mounted|no mount point specified|mountpoint not found/i.test(msg)) return "not-mounted";
  return /busy/i.test(msg) ? "busy" : "other";
}
