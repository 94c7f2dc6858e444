import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { familiarName } from "@strata/core";
import type { LoadedImage, Store } from "@strata/store";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

/** `strata load`: docker-archive (current and pre-1.10 layouts) or OCI layout tar, from a file or stdin. */
export async function loadCommand(opts: { input?: string; quiet?: boolean }, globals: GlobalOptions): Promise<void> {
  const store = await openStoreOnly(globals);
  const { loadArchive } = await import("@strata/store");
  let file = opts.input;
  let tmp: string | undefined;
  if (!file) {
    tmp = await mkdtemp(path.join(store.root, "tmp-load-"));
    file = path.join(tmp, "stdin.tar");
    await pipeline(process.stdin, createWriteStream(file));
  }
  try {
    const { images } = await loadArchive(store, file);
    await unpackLoaded(store, images, globals);
    if (opts.quiet) return;
    for (const image of images) {
      process.stdout.write(image.name ? `Loaded image: ${familiarName(image.name)}\n` : `Loaded image ID: ${image.configDigest}\n`);
    }
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Extracts the loaded layers into snapshots now, as `docker load` does into its graph driver, so
 * the first build FROM the image does not pay for it. A layer that cannot be extracted is only a
 * warning here: the image is stored, and a build that uses it reports the error in its place.
 */
async function unpackLoaded(store: Store, images: readonly LoadedImage[], globals: GlobalOptions): Promise<void> {
  const [layers, { readImage }] = await Promise.all([import("@strata/layers"), import("@strata/store")]);
  const warn = (what: string, e: unknown): void => {
    process.stderr.write(`warning: ${what}: layers not extracted (${e instanceof Error ? e.message : String(e)}); a build will retry\n`);
  };
  let snapshotter;
  try {
    snapshotter = await layers.createSnapshotter(store.root, globals.storageDriver);
  } catch (e) {
    warn(store.root, e);
    return;
  }
  const applier = layers.createApplier(store.content);
  for (const loaded of images) {
    try {
      const image = await readImage(store, loaded.configDigest);
      await layers.unpackLayers({ snapshotter, applier, layers: image.manifest.layers, diffIds: image.config.rootfs.diff_ids });
    } catch (e) {
      warn(loaded.name ? familiarName(loaded.name) : loaded.configDigest, e);
    }
  }
}
