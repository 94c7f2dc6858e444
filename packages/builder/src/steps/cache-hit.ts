import { HISTORY_COMMENT } from "../history.js";
import { chainId, randomHex, type Digest } from "@strata/core";
import type { CacheRecord } from "@strata/cache";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";
import { activeLabels, committedExists } from "./layer.js";

/**
 * Reuses a cached step result. The layer blob must still be in the store; the snapshot is
 * reused when it exists, otherwise (an imported cache, or a pruned snapshot) the layer is
 * applied onto the parent snapshot and committed under its chainID. Returns false, making
 * the lookup a miss, when the result cannot be restored. A dry run only checks the blob.
 */
export async function applyCachedLayer(ctx: BuildContext, state: StageState, record: CacheRecord, createdBy: string): Promise<boolean> {
  const { layer, diffId } = record;
  if (!layer || !diffId || !(await ctx.env.store.content.has(layer.digest))) return false;
  const name = chainId([...state.config.rootfs.diff_ids, diffId])! as Digest;
  if (!ctx.req.dryRun && !(await committedExists(ctx, name))) {
    if (state.snapshot === undefined && state.config.rootfs.diff_ids.length > 0) return false;
    if (!(await restoreSnapshot(ctx, state.snapshot, name, layer, diffId))) return false;
  }
  state.snapshot = name;
  state.layers.push({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
  state.config.rootfs.diff_ids = [...state.config.rootfs.diff_ids, diffId];
  (state.config.history ??= []).push({ created: ctx.req.sourceDateEpoch !== undefined ? ctx.created : record.created, created_by: createdBy, comment: HISTORY_COMMENT });
  return true;
}

async function restoreSnapshot(
  ctx: BuildContext,
  parent: string | undefined,
  name: string,
  layer: NonNullable<CacheRecord["layer"]>,
  diffId: Digest,
): Promise<boolean> {
  const { snapshotter, applier } = ctx.env;
  const key = `restore-${process.pid}-${randomHex(8)}`;
  const mounts = await snapshotter.prepare(key, parent, { labels: activeLabels() });
  try {
    const applied = await applier.apply({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, mounts, { signal: ctx.signal });
    if (applied.diffId !== diffId) return false;
    await snapshotter.commit(name, key);
    return true;
  } finally {
    await snapshotter.remove(key).catch(() => {});
  }
}
