import { HISTORY_COMMENT } from "../history.js";
import { chainId, randomHex, type Digest, type Mount } from "@strata/core";
import { stepKey, type StepInput } from "@strata/cache";
import { overlayLowerMounts } from "@strata/layers";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";
import { applyCachedLayer } from "./cache-hit.js";
import { materialize } from "./materialize.js";
import type { StepInfo } from "./step-info.js";

/** A filesystem-changing step as the cache sees it: what it does and what it reads. */
export interface LayerStepSpec {
  createdBy: string;
  kind: string;
  definition: Record<string, unknown>;
  inputs?: Record<string, StepInput>;
}

/**
 * The shape of every filesystem-changing step. Its key (definition + parent key + content
 * inputs) is looked up first; a hit reuses the committed snapshot and layer. Otherwise: a
 * writable snapshot on top of the stage's current one, `mutate` through its mounts, the diff
 * as one layer (an empty diff still adds an empty layer, as BuildKit does for RUN, COPY and
 * WORKDIR), commit under the new chainID, and record the result under the key.
 * In a dry run nothing executes: the key is computed and looked up, and that is all.
 */
export async function layerStep(
  ctx: BuildContext,
  state: StageState,
  info: StepInfo,
  spec: LayerStepSpec,
  mutate: (mounts: Mount[]) => Promise<void>,
): Promise<void> {
  const { key, preimage } = stepKey({ kind: spec.kind, definition: spec.definition, parent: state.key, inputs: spec.inputs });
  info.key = key;
  const cache = ctx.env.cache;
  const useCache = !ctx.req.noCache && !ctx.req.noCacheFilter?.includes(state.label);
  const record = useCache ? await cache.lookup(key) : undefined;
  if (record && (await applyCachedLayer(ctx, state, record, spec.createdBy))) {
    info.cached = true;
    state.key = key;
    await cache.touch(key).catch(() => false);
    return;
  }
  info.reasons = useCache ? await cache.explainMiss(info.identity, preimage) : [ctx.req.noCache ? "--no-cache" : "--no-cache-filter"];
  if (ctx.req.dryRun) {
    state.key = key;
    state.snapshot = undefined;
    return;
  }
  const created = ctx.req.sourceDateEpoch !== undefined ? ctx.created : new Date().toISOString();
  const layer = await buildLayer(ctx, state, mutate);
  state.key = key;
  state.snapshot = layer.snapshot;
  state.layers.push(layer.descriptor);
  state.config.rootfs.diff_ids = [...state.config.rootfs.diff_ids, layer.diffId];
  (state.config.history ??= []).push({ created, created_by: spec.createdBy, comment: HISTORY_COMMENT });
  await cache.save(key, { snapshot: layer.snapshot, layer: layer.descriptor, diffId: layer.diffId, created }, preimage);
  await cache.rememberStep(info.identity, preimage);
}

async function buildLayer(ctx: BuildContext, state: StageState, mutate: (mounts: Mount[]) => Promise<void>) {
  const { snapshotter, differ } = ctx.env;
  const key = `build-${process.pid}-${randomHex(8)}`;
  const parent = await materialize(ctx, state);
  const upper = await snapshotter.prepare(key, parent, { labels: activeLabels() });
  let committed = false;
  let lowerKey: string | undefined;
  try {
    await mutate(upper);
    ctx.signal?.throwIfAborted();
    // The differ reads only the overlay upperdir, but checks each candidate against the lower:
    // an overlay's own lowerdirs (read without a mount), else a view of the parent.
    let lower: Mount[] = overlayLowerMounts(upper) ?? [];
    if (parent && lower.length === 0) {
      lowerKey = `${key}-lower`;
      lower = await snapshotter.view(lowerKey, parent, { labels: activeLabels() });
    }
    const layer = await differ.compare(lower, upper, { sourceDateEpoch: ctx.req.sourceDateEpoch, signal: ctx.signal });
    const name = chainId([...state.config.rootfs.diff_ids, layer.diffId])! as Digest;
    if (await committedExists(ctx, name)) await snapshotter.remove(key);
    else await snapshotter.commit(name, key);
    committed = true;
    return { snapshot: name, descriptor: layer.descriptor, diffId: layer.diffId };
  } finally {
    if (lowerKey) await snapshotter.remove(lowerKey).catch(() => {});
    if (!committed) await snapshotter.remove(key).catch(() => {});
  }
}

/** Labels that let a later run recognise (and remove) snapshots a crashed build left behind. */
export function activeLabels(): Record<string, string> {
  return { "strata.io/build-pid": String(process.pid) };
}

export async function committedExists(ctx: BuildContext, name: string): Promise<boolean> {
  try {
    return (await ctx.env.snapshotter.stat(name)).kind === "committed";
  } catch {
    return false;
  }
}
