import { StrataError, familiarName, isNotFound, normalizeReference, parseReference } from "@strata/core";
import { noProgress } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { collectUnused } from "../gc.js";

/**
 * `strata rmi`: untag; when no tag refers to an image any more, remove its blobs and the
 * snapshots no remaining image uses.
 */
export async function rmiCommand(refs: string[], opts: { force?: boolean }, globals: GlobalOptions): Promise<number> {
  const engine = await openEngine(globals, noProgress);
  const { store, snapshotter } = engine;
  const { readImage } = await import("@strata/store");
  let status = 0;
  for (const ref of refs) {
    try {
      const image = await readImage(store, ref);
      const tags = (await store.images.list()).filter((t) => t.target.digest === image.manifestDesc.digest);
      const named = isTagReference(ref) ? tags.filter((t) => t.name === normalizeReference(ref)) : tags;
      if (!isTagReference(ref) && tags.length > 1 && !opts.force) {
        throw new StrataError("FAILED_PRECONDITION", `conflict: unable to delete ${ref} (must be forced) - image is referenced in multiple repositories`);
      }
      for (const t of named) {
        await store.images.delete(t.name);
        process.stdout.write(`Untagged: ${familiarName(t.name)}\n`);
      }
      if (tags.length === named.length) process.stdout.write(`Deleted: ${image.configDigest}\n`);
    } catch (e) {
      if (!isNotFound(e) && !(e instanceof StrataError && e.code === "FAILED_PRECONDITION")) throw e;
      process.stderr.write(`Error: ${e instanceof StrataError && e.code === "FAILED_PRECONDITION" ? e.message : `No such image: ${ref}`}\n`);
      status = 1;
    }
  }
  await collectUnused(store, snapshotter, engine.cache);
  return status;
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
