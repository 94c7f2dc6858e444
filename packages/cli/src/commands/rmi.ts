import { StrataError, familiarName, isNotFound, normalizeReference, parseReference, type Digest } from "@strata/core";
import { noProgress } from "@strata/core";
import type { ImageNode, Store } from "@strata/store";
import { openEngine, type GlobalOptions } from "../engine.js";
import { shortId } from "../format.js";
import { collectUnused } from "../gc.js";

/**
 * `strata rmi`: untag; when no tag refers to an image any more and no image was built on it,
 * remove it, then each untagged image it was built on that nothing else uses (Docker's
 * "Deleted:" lines), and the blobs and snapshots no remaining image uses. An image a container
 * uses is never removed: without -f that is refused, as Docker does; with -f it is only
 * untagged and stays, dangling, for the container (Docker 20.10 deletes it under the container).
 */
export async function rmiCommand(refs: string[], opts: { force?: boolean }, globals: GlobalOptions): Promise<number> {
  const engine = await openEngine(globals, noProgress);
  const { store, snapshotter } = engine;
  const { readImage, readImageGraph } = await import("@strata/store");
  const { ContainerRecords } = await import("@strata/runner");
  const containers = new ContainerRecords(store.root).list();
  const inUse = new Set<string>(containers.map((c) => c.imageId));
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
      const users = containers.filter((c) => c.imageId === node.id);
      if (remaining.length === 0 && users.length > 0) refuseInUse(ref, node.id, users, opts.force ?? false, byTag);
      for (const name of untag) {
        // The last tag of an image others were built on, or containers use, goes; the image stays, untagged.
        await store.images.untag(name, { keepImage: remaining.length === 0 && (children.length > 0 || users.length > 0) });
        process.stdout.write(`Untagged: ${familiarName(name)}\n`);
      }
      if (remaining.length === 0 && children.length === 0 && users.length === 0) {
        for (const id of await removeWithUnusedParents(store, node, inUse)) process.stdout.write(`Deleted: ${id}\n`);
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
async function removeWithUnusedParents(store: Store, node: ImageNode, inUse: ReadonlySet<string>): Promise<Digest[]> {
  const { readImageGraph } = await import("@strata/store");
  const removed: Digest[] = [];
  let current: ImageNode | undefined = node;
  while (current) {
    for (const m of current.manifests) await store.images.deleteManifest(m.digest);
    removed.push(current.id);
    if (!current.parent) break;
    const graph = await readImageGraph(store);
    const parent = graph.byId.get(current.parent);
    current = parent && parent.names.length === 0 && graph.children(parent.id).length === 0 && !inUse.has(parent.id) ? parent : undefined;
  }
  return removed;
}

/** Docker's conflict errors for an image containers use; with `force`, only an image ID a running container uses refuses. */
function refuseInUse(ref: string, id: string, users: { id: string; state: { status: string } }[], force: boolean, byTag: boolean): void {
  const running = users.find((u) => u.state.status === "running" || u.state.status === "paused");
  if (running && !byTag) {
    throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
  }
  if (force) return;
  const c = users[0]!;
  throw new StrataError(
    "FAILED_PRECONDITION",
    byTag
      ? `conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(c.id)} is using its referenced image ${shortId(id)}`
      : `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(c.id)}`,
  );
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
