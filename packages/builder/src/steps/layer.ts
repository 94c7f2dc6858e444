import { chainId, randomHex, type Mount } from "@strata/core";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";

/**
 * The shape of every filesystem-changing step: a writable snapshot on top of the stage's
 * current one, `mutate` through its mounts, the diff as one layer, then commit under the new
 * chainID. An empty diff still adds an (empty) layer, as BuildKit does for RUN, COPY and WORKDIR.
 */
export async function layerStep(
  ctx: BuildContext,
  state: StageState,
  createdBy: string,
  mutate: (mounts: Mount[]) => Promise<void>,
): Promise<void> {
  const { snapshotter, differ } = ctx.env;
  const key = `build-${process.pid}-${randomHex(8)}`;
  const upper = await snapshotter.prepare(key, state.snapshot, { labels: activeLabels() });
  let committed = false;
  let lowerKey: string | undefined;
  try {
    await mutate(upper);
    ctx.signal?.throwIfAborted();
    let lower: Mount[] = [];
    if (snapshotter.driver === "native" && state.snapshot) {
      lowerKey = `${key}-lower`;
      lower = await snapshotter.view(lowerKey, state.snapshot, { labels: activeLabels() });
    }
    const layer = await differ.compare(lower, upper, {
      sourceDateEpoch: ctx.req.sourceDateEpoch,
      signal: ctx.signal,
    });
    const history = { created: ctx.created, created_by: createdBy, comment: "buildkit.dockerfile.v0" };
    const diffIds = [...state.config.rootfs.diff_ids, layer.diffId];
    const name = chainId(diffIds)!;
    if (await exists(ctx, name)) {
      await snapshotter.remove(key);
    } else {
      await snapshotter.commit(name, key);
    }
    committed = true;
    state.snapshot = name;
    state.layers.push(layer.descriptor);
    state.config.rootfs.diff_ids = diffIds;
    (state.config.history ??= []).push(history);
  } finally {
    if (lowerKey) await snapshotter.remove(lowerKey).catch(() => {});
    if (!committed) await snapshotter.remove(key).catch(() => {});
  }
}

/** Labels that let a later run recognise (and remove) snapshots a crashed build left behind. */
export function activeLabels(): Record<string, string> {
  return { "strata.io/build-pid": String(process.pid) };
}

async function exists(ctx: BuildContext, name: string): Promise<boolean> {
  try {
    return (await ctx.env.snapshotter.stat(name)).kind === "committed";
  } catch {
    return false;
  }
}
