import { lstat, mkdtemp, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Mount } from "@strata/core";
import { mountAll, unmount } from "./mount.js";

/**
 * Runs `fn` with the mounts visible as one directory. A single bind mount of a plain
 * directory needs no mount at all: `fn` gets the source directory itself (so a read-only
 * bind is not enforced on this path). Anything else is mounted on a fresh temp directory
 * that is always unmounted and removed afterwards, even when `fn` throws.
 */
export async function withMounted<T>(mounts: readonly Mount[], fn: (dir: string) => Promise<T>): Promise<T> {
  const direct = await bindSourceDirectory(mounts);
  if (direct !== undefined) return fn(direct);

  const target = await mkdtemp(path.join(tmpdir(), "strata-mount-"));
  try {
    await mountAll(mounts, target);
    try {
      return await fn(target);
    } finally {
      await unmount(target);
    }
  } finally {
    await rmdir(target).catch(() => {});
  }
}

async function bindSourceDirectory(mounts: readonly Mount[]): Promise<string | undefined> {
  if (mounts.length !== 1) return undefined;
  const m = mounts[0]!;
  if (m.type !== "bind") return undefined;
  try {
    return (await lstat(m.source)).isDirectory() ? m.source : undefined;
  } catch {
    return undefined;
  }
}
