import path from "node:path";
import type { ResolvedImage, Store } from "@strata/store";

/** An image's size as Docker shows it (`images`, `inspect`): the sum of its layers' DiffSize. */
export async function imageSize(store: Store, image: ResolvedImage): Promise<number> {
  const { layerDiffSize } = await import("@strata/layers");
  const cacheDir = path.join(store.root, "layer-sizes");
  const sizes = await Promise.all(image.manifest.layers.map((l) => layerDiffSize(store.content, l, cacheDir)));
  return sizes.reduce((a, b) => a + b, 0);
}
