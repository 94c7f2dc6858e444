import { readFile } from "node:fs/promises";
import path from "node:path";
import { StrataError, errnoCode, writeFileAtomic, type ProgressSink } from "@strata/core";

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
 * Everything a build needs, wired together. The storage driver is pinned per store root (as
 * Docker pins its graph driver): asking for another one on an existing root is an error.
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
  const driver = await pinnedDriver(root, opts.storageDriver, layers.overlayAvailable);
  const snapshotter = await layers.createSnapshotter(root, driver);
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

async function pinnedDriver(
  root: string,
  requested: "overlay" | "native" | undefined,
  overlayAvailable: (root: string) => Promise<boolean>,
): Promise<"overlay" | "native"> {
  const file = path.join(root, "storage-driver");
  let pinned: string | undefined;
  try {
    pinned = (await readFile(file, "utf8")).trim();
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  if (pinned === "overlay" || pinned === "native") {
    if (requested && requested !== pinned) {
      throw new StrataError("FAILED_PRECONDITION", `the store at ${root} uses the ${pinned} storage driver, not ${requested}`, {
        hint: `use --storage-driver ${pinned}, or another --root for ${requested}`,
      });
    }
    return pinned;
  }
  const driver = requested ?? ((await overlayAvailable(root)) ? "overlay" : "native");
  await writeFileAtomic(file, `${driver}\n`);
  return driver;
}
