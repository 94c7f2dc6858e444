import { HISTORY_COMMENT } from "../history.js";
import { chainId, type Digest } from "@strata/core";
import type { CacheRecord } from "@strata/cache";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";
import { committedExists } from "./layer.js";

/**
 * Reuses a cached step result. Its layer must be in the store or in a registry known to hold
 * it (an imported registry cache), else the lookup is a miss. Nothing is unpacked here: the
 * committed snapshot is used when it exists, otherwise a later step that needs this
 * filesystem makes it from the layers (see materialize), so a hit costs no I/O on layers.
 */
export async function applyCachedLayer(ctx: BuildContext, state: StageState, record: CacheRecord, createdBy: string): Promise<boolean> {
  const { layer, diffId } = record;
  if (!layer || !diffId) return false;
  if (!(await ctx.env.store.content.has(layer.digest)) && !ctx.env.remote?.canFetch(layer.digest)) return false;
  const name = chainId([...state.config.rootfs.diff_ids, diffId])! as Digest;
  state.snapshot = !ctx.req.dryRun && (await committedExists(ctx, name)) ? name : undefined;
  state.layers.push({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
  state.config.rootfs.diff_ids = [...state.config.rootfs.diff_ids, diffId];
  (state.config.history ??= []).push({ created: ctx.req.sourceDateEpoch !== undefined ? ctx.created : record.created, created_by: createdBy, comment: HISTORY_COMMENT });
  return true;
}
