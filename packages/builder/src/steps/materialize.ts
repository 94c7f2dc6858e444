import { StrataError, chainId, chainIds, type Digest } from "@strata/core";
import { unpackLayers } from "@strata/layers";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";
import { committedExists } from "./layer.js";

/**
 * The stage's filesystem as a committed snapshot (named by its chainID), made only now that a
 * step needs it: a FROM image is not unpacked and a cache hit is not restored until then, so a
 * build whose every step hits never touches a layer. Layers the store lacks are fetched from
 * the registry known to hold them (a lazily resolved base, an imported registry cache), then
 * the chain is unpacked from the highest snapshot that exists. Undefined for an empty rootfs.
 */
export async function materialize(ctx: BuildContext, state: StageState): Promise<string | undefined> {
  const diffIds = state.config.rootfs.diff_ids;
  if (diffIds.length === 0) return undefined;
  const name = chainId(diffIds)!;
  if (state.snapshot === name || (await committedExists(ctx, name))) return (state.snapshot = name);
  let pending = running.get(ctx)?.get(name);
  if (!pending) {
    pending = unpackChain(ctx, state.layers.slice(), diffIds.slice());
    let byName = running.get(ctx);
    if (!byName) running.set(ctx, (byName = new Map()));
    byName.set(name, pending);
    pending.catch(() => byName!.delete(name));
  }
  await pending;
  return (state.snapshot = name);
}

const running = new WeakMap<BuildContext, Map<string, Promise<void>>>();

async function unpackChain(ctx: BuildContext, layers: StageState["layers"], diffIds: Digest[]): Promise<void> {
  if (layers.length !== diffIds.length) throw new StrataError("INTERNAL", `stage has ${layers.length} layers for ${diffIds.length} diffIDs`);
  const chain = chainIds(diffIds);
  let have = chain.length;
  while (have > 0 && !(await committedExists(ctx, chain[have - 1]!))) have--;
  const needed = layers.slice(have);
  await Promise.all(needed.map((l) => ensureBlob(ctx, l)));
  await unpackLayers({ snapshotter: ctx.env.snapshotter, applier: ctx.env.applier, layers, diffIds, signal: ctx.signal });
}

/** A layer blob in the store, downloaded first if only a registry has it. */
export async function ensureBlob(ctx: BuildContext, layer: StageState["layers"][number]): Promise<void> {
  if (await ctx.env.store.content.has(layer.digest)) return;
  if (!ctx.env.remote?.canFetch(layer.digest)) {
    throw new StrataError("NOT_FOUND", `layer ${layer.digest}: not in the store, and no registry is known to have it`);
  }
  await ctx.env.remote.fetch(layer);
}
