import { normalizeReference } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";

export async function tagCommand(source: string, target: string, globals: GlobalOptions): Promise<void> {
  const store = await openStoreOnly(globals);
  const { readImage } = await import("@strata/store");
  const image = await readImage(store, source);
  await store.images.put(normalizeReference(target), image.manifestDesc);
}
