import path from "node:path";
import type { ProgressSink } from "@strata/core";

export interface GlobalOptions {
  root?: string;
  storageDriver?: "overlay" | "native";
}

/** The store root: `--root`, then STRATA_ROOT, then the per-user default. */
export async function storeRoot(opts: GlobalOptions): Promise<string> {
  if (opts.root) return path.resolve(opts.root);
  const { defaultStoreRoot } = await import("@strata/store");
  return defaultStoreRoot();
}

export async function openStoreOnly(opts: GlobalOptions) {
  const { openStore } = await import("@strata/store");
  return openStore(await storeRoot(opts));
}

/**
 * Everything a build needs, wired together. The storage driver is pinned per store root by the
 * snapshotter itself (as Docker pins its graph driver): asking for another one later is an error.
 */
export async function openEngine(opts: GlobalOptions, progress: ProgressSink) {
  const [{ openStore }, layers, { createRuncRunner }, { openCacheStore }] = await Promise.all([
    import("@strata/store"),
    import("@strata/layers"),
    import("@strata/runner"),
    import("@strata/cache"),
  ]);
  const root = await storeRoot(opts);
  const store = await openStore(root);
  // The snapshotter records its driver with its first snapshot and refuses another one later.
  const snapshotter = await layers.createSnapshotter(root, opts.storageDriver);
  return {
    store,
    snapshotter,
    differ: layers.createDiffer(store.content),
    applier: layers.createApplier(store.content),
    runner: createRuncRunner({ stateDir: path.join(root, "runc") }),
    cache: await openCacheStore(path.join(root, "cache", "records")),
    cacheDir: path.join(root, "cache"),
    progress,
  };
}
