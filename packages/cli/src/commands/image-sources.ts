import { existsSync } from "node:fs";
import path from "node:path";
import type { Digest } from "@strata/core";
import type { KeyPreimage } from "@strata/cache";
import type { ImageSource } from "@strata/compare";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

/**
 * Opens the images a command compares or analyzes (store refs or docker-archive:/oci-archive:/
 * oci: paths), sharing one layer reader so a layer two of them have is read once. The store is
 * opened only when one of them names an image in it.
 */
export async function openImages(refs: string[], globals: GlobalOptions): Promise<{ images: ImageSource[]; preimage?: (key: Digest) => Promise<KeyPreimage | undefined> }> {
  const { openImage, parseImageSpec, LayerReader } = await import("@strata/compare");
  const needsStore = refs.some((r) => parseImageSpec(r).transport === "store");
  const store = needsStore ? await openStoreOnly(globals) : undefined;
  const reader = new LayerReader();
  const images: ImageSource[] = [];
  for (const ref of refs) images.push(await openImage(ref, { store, reader }));
  let preimage: ((key: Digest) => Promise<KeyPreimage | undefined>) | undefined;
  const records = store && path.join(store.root, "cache", "records");
  if (records && existsSync(records)) {
    const { openCacheStore } = await import("@strata/cache");
    const cache = await openCacheStore(records);
    preimage = (key) => cache.preimage(key).catch(() => undefined);
  }
  return { images, preimage };
}

/** Writes a report file whole or not at all (atomic rename), creating nothing else. */
export async function writeReport(file: string, text: string): Promise<void> {
  const { writeFileAtomic, StrataError } = await import("@strata/core");
  try {
    await writeFileAtomic(path.resolve(file), text);
  } catch (e) {
    throw new StrataError("INVALID_ARGUMENT", `${file}: cannot write the report (${(e as Error).message})`);
  }
}
