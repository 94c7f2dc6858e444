import { StrataError, familiarName, isNotFound, normalizeReference, parseReference, type Digest } from "@strata/core";
import { noProgress } from "@strata/core";
import type { ImageNode, Store } from "@strata/store";
import { openEngine, type GlobalOptions } from "../engine.js";
import { shortId } from "../format.js";
import { collectUnused } from "../gc.js";

/**
 * `strata rmi`: untag; when no tag refers to an image any more and no image was built on it,
 * remove it, then each untagged image it was built on that nothing else uses (Docker's
 * "Deleted:" lines), and the blobs and snapshots no remaining image uses.
 */
export async function rmiCommand(refs: string[], opts: { force?: boolean }, globals: GlobalOptions): Promise<number> {
  const engine = await openEngine(globals, noProgress);
  const { store, snapshotter } = engine;
  const { readImage, readImageGraph } = await import("@strata/store");
  let status = 0;
  for (const ref of refs) {
    try {
      const image = await readImage(store, ref);
      const graph = await readImageGraph(store);
      const node = graph.byId.get(image.configDigest);
      if (!node) throw new StrataError("NOT_FOUND", `image ${ref}: not found`);
      const byTag = isTagReference(ref);
      const children = graph.children(node.id);
      if (!byTag && node.names.length > 1 && !opts.force) {
        throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${ref} (must be forced) - image is referenced in multiple repositories`);
      }
      if (!byTag && children.length > 0) {
        throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${shortId(node.id)} (cannot be forced) - image has dependent child images`);
      }
      const untag = byTag ? node.names.filter((n) => n === normalizeReference(ref)) : node.names;
      const remaining = node.names.filter((n) => !untag.includes(n));
      for (const name of untag) {
        // The last tag of an image others were built on goes; the image stays, untagged.
        await store.images.untag(name, { keepImage: remaining.length === 0 && children.length > 0 });
        process.stdout.write(`Untagged: ${familiarName(name)}\n`);
      }
      if (remaining.length === 0 && children.length === 0) {
        for (const id of await removeWithUnusedParents(store, node)) process.stdout.write(`Deleted: ${id}\n`);
      }
    } catch (e) {
      if (!isNotFound(e) && !(e instanceof StrataError && e.code === "FAILED_PRECONDITION")) throw e;
      process.stderr.write(`Error: ${e instanceof StrataError && e.code === "FAILED_PRECONDITION" ? e.message : `No such image: ${ref}`}\n`);
      status = 1;
    }
  }
  await collectUnused(store, snapshotter, engine.cache);
  return status;
}

/**
 * Removes `node`'s index entries, then walks down its parents removing each that is untagged
 * and that no other image was built on. Returns the IDs removed, in order.
 */
async function removeWithUnusedParents(store: Store, node: ImageNode): Promise<Digest[]> {
  const { readImageGraph } = await import("@strata/store");
  const removed: Digest[] = [];
  let current: ImageNode | undefined = node;
  while (current) {
    for (const m of current.manifests) await store.images.deleteManifest(m.digest);
    removed.push(current.id);
    if (!current.parent) break;
    const graph = await readImageGraph(store);
    const parent = graph.byId.get(current.parent);
    current = parent && parent.names.length === 0 && graph.children(parent.id).length === 0 ? parent : undefined;
  }
  return removed;
}

function isTagReference(ref: string): boolean {
  if (/^(sha256:)?[a-f0-9]{6,64}$/.test(ref)) return false;
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}
