import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { randomHex } from "@strata/core";
import { mountAll, unmount } from "@strata/layers";
import type { BuildContext } from "../context.js";
import { activeLabels } from "./layer.js";

/**
 * A read-only view of a committed snapshot as a host directory (an empty directory for an
 * empty rootfs). A single bind mount is used in place; anything else is mounted under `scratch`.
 */
export async function mountStageView(
  ctx: BuildContext,
  snapshot: string | undefined,
  scratch: string,
): Promise<{ dir: string; release: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(scratch, "view-"));
  if (!snapshot) return { dir, release: () => rm(dir, { recursive: true, force: true }) };
  const key = `view-${process.pid}-${randomHex(8)}`;
  const mounts = await ctx.env.snapshotter.view(key, snapshot, { labels: activeLabels() });
  const only = mounts.length === 1 ? mounts[0]! : undefined;
  if (only?.type === "bind") {
    return { dir: only.source, release: () => ctx.env.snapshotter.remove(key) };
  }
  try {
    await mountAll(mounts, dir);
  } catch (e) {
    await ctx.env.snapshotter.remove(key).catch(() => {});
    throw e;
  }
  return {
    dir,
    release: async () => {
      await unmount(dir);
      await ctx.env.snapshotter.remove(key);
    },
  };
}
