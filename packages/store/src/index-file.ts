import { readFileSync } from "node:fs";
import { MediaType, StrataError, writeFileAtomic, type Descriptor, type Index } from "@strata/core";
import { fsError } from "./fs-errors.js";
import { layoutPaths } from "./layout.js";
import { withStoreLock } from "./lock.js";

/** When a tag (or an untagged image) was recorded; an annotation on the index entry. */
export const CREATED_ANNOTATION = "strata.created";
/**
 * On an image's index entry: the ID (config digest) of the image it was built on, as the legacy
 * builder's Parent. `images` hides an untagged image that is some image's parent (unless -a).
 */
export const PARENT_ANNOTATION = "strata.image.parent";
/** On a built image's index entry: the cache key of the step that made it, to explain how two builds differ. */
export const STEP_KEY_ANNOTATION = "strata.build.step-key";

export const emptyIndex = (): Index => ({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });

export async function readIndex(root: string): Promise<Index> {
  const file = layoutPaths(root).index;
  let text: string;
  try {
    text = readFileSync(file, "utf8"); // small; blocking beats async readFile's four round trips
  } catch (e) {
    const err = fsError(e, `image index ${file}`);
    if (err instanceof StrataError && err.code === "NOT_FOUND") return emptyIndex();
    throw err;
  }
  let index: Index;
  try {
    index = JSON.parse(text) as Index;
  } catch (e) {
    throw new StrataError("INTERNAL", `image index ${file}: not valid JSON`, { cause: e });
  }
  if (!Array.isArray(index.manifests)) throw new StrataError("INTERNAL", `image index ${file}: no manifests array`);
  return index;
}

export async function writeIndex(root: string, index: Index): Promise<void> {
  const file = layoutPaths(root).index;
  try {
    await writeFileAtomic(file, JSON.stringify(index, null, 2) + "\n");
  } catch (e) {
    throw fsError(e, `image index ${file}`);
  }
}

/** Read-modify-write of index.json under the store lock. */
export function updateIndex<T>(root: string, fn: (manifests: Descriptor[]) => T): Promise<T> {
  return withStoreLock(root, async () => {
    const index = await readIndex(root);
    const result = fn(index.manifests);
    await writeIndex(root, index);
    return result;
  });
}
