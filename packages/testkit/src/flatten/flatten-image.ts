import type { FlattenedImage, FileEntry } from "./file-entry.js";
import { applyLayer } from "./apply-layer.js";
import { readImageArchive } from "./image-archive.js";

/**
 * Flatten an image archive (docker-archive in either layout, or an OCI layout tar) into
 * path → metadata by applying its layers in order in memory. File bodies are streamed only
 * to hash them.
 */
export async function flattenImageArchive(tarFile: string): Promise<FlattenedImage> {
  const image = await readImageArchive(tarFile);
  const files = new Map<string, FileEntry>();
  for (const layer of image.layers) {
    try {
      await applyLayer(files, await layer.open());
    } catch (e) {
      throw new Error(`${tarFile}: layer ${layer.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { files: sorted, config: image.config };
}
