import { StrataError, runChecked } from "@strata/core";

/**
 * Copies the directory `src` to `dst` (which must not exist) preserving everything a layer
 * can hold: file types including devices, fifos and sockets, modes with setuid/setgid/sticky,
 * numeric owners, nanosecond mtimes, hard links within the tree, symlinks and all xattrs
 * (security.capability, trusted.* when root). GNU `cp -a` does all of it in one process; on
 * a 20,000-file tree it took about half the time of a Node walk that still missed device
 * nodes and nanosecond mtimes (copy-strategy.test.ts). Reflinks are used where the
 * filesystem can share extents (btrfs, xfs); elsewhere it is a plain copy.
 */
export async function copyTree(src: string, dst: string, signal?: AbortSignal): Promise<void> {
  try {
    await runChecked("cp", ["-a", "--reflink=auto", "--no-target-directory", "--", src, dst], { signal });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new StrataError("INTERNAL", `copy ${src} to ${dst}: ${stderr || String(e)}`, { cause: e });
  }
}
