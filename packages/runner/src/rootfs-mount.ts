import { lstat, mkdir } from "node:fs/promises";
import { StrataError, type Mount } from "@strata/core";
import { mountAll, unmount } from "@strata/layers";

export { unmount };

/** A container root ready for config.json's `root`. */
export interface MountedRootfs {
  path: string;
  readonly: boolean;
  /** Undoes the mounts (a no-op for a plain directory); safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Makes `mounts` visible as one directory. A single bind of a plain directory is used in place
 * (no mount); anything else is mounted in order onto `target`, which is created.
 */
export async function mountRootfs(mounts: readonly Mount[], target: string): Promise<MountedRootfs> {
  if (mounts.length === 0) throw new StrataError("INVALID_ARGUMENT", "the rootfs has no mounts");
  const only = mounts.length === 1 ? mounts[0]! : undefined;
  if (only?.type === "bind" && (await isDirectory(only.source))) {
    return { path: only.source, readonly: only.options.includes("ro"), release: async () => {} };
  }
  await mkdir(target, { recursive: true });
  await mountAll(mounts, target);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await unmount(target);
  };
  return { path: target, readonly: false, release };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}
