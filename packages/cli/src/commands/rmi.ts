import { StrataError, familiarName, isNotFound, normalizeReference, parseReference } from "@strata/core";
import { noProgress } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { collectUnused } from "../gc.js";

/**
 * `strata rmi`: untag; when no tag refers to an image any more, remove its blobs and the
 * snapshots no remaining image uses. An image a container uses is never removed: without -f
 * that is refused, as Docker does; with -f it is only untagged and stays as a dangling image
 * (Docker 20.10 deletes it under the container; strata keeps the container's image).
 */
export async function rmiCommand(refs: string[], opts: { force?: boolean }, globals: GlobalOptions): Promise<number> {
  const engine = await openEngine(globals, noProgress);
  const { store, snapshotter } = engine;
  const { readImage } = await import("@strata/store");
  const { ContainerRecords } = await import("@strata/runner");
  const containers = new ContainerRecords(store.root).list();
  let status = 0;
  for (const ref of refs) {
    try {
      const image = await readImage(store, ref);
      const tags = (await store.images.list()).filter((t) => t.target.digest === image.manifestDesc.digest);
      const named = isTagReference(ref) ? tags.filter((t) => t.name === normalizeReference(ref)) : tags;
      if (!isTagReference(ref) && tags.length > 1 && !opts.force) {
        throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${ref} (must be forced) - image is referenced in multiple repositories`);
      }
      const users = containers.filter((c) => c.imageId === image.configDigest);
      const deletes = tags.length === named.length;
      if (deletes && users.length > 0) refuseInUse(ref, image.configDigest, users, opts.force ?? false, isTagReference(ref));
      for (const t of named) {
        await store.images.delete(t.name);
        process.stdout.write(`Untagged: ${familiarName(t.name)}\n`);
      }
      // -f with containers: untagged only, the image stays (dangling) for them.
      if (deletes && users.length > 0) await store.images.putUntagged(image.manifestDesc);
      else if (deletes) {
        await store.images.deleteManifest(image.manifestDesc.digest); // an untagged (dangling) entry too
        process.stdout.write(`Deleted: ${image.configDigest}\n`);
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

/** Docker's conflict errors for an image containers use; with `force`, only an image ID a running container uses refuses. */
function refuseInUse(ref: string, id: string, users: { id: string; state: { status: string } }[], force: boolean, byTag: boolean): void {
  const short = (s: string) => s.replace(/^sha256:/, "").slice(0, 12);
  const running = users.find((u) => u.state.status === "running" || u.state.status === "paused");
  if (running && !byTag) {
    throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
  }
  if (force) return;
  const c = users[0]!;
  throw new StrataError(
    "FAILED_PRECONDITION",
    byTag
      ? `conflict: unable to remove repository reference "${ref}" (must force) - container ${short(c.id)} is using its referenced image ${short(id)}`
      : `conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(c.id)}`,
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
