import { StrataError, chainIds, familiarName, isNotFound, normalizeReference, parseReference, type Digest } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { noProgress } from "@strata/core";

/**
 * `strata rmi`: untag; when no tag refers to an image any more, remove its blobs and the
 * snapshots no remaining image uses.
 */
export async function rmiCommand(refs: string[], opts: { force?: boolean }, globals: GlobalOptions): Promise<number> {
  const engine = await openEngine(globals, noProgress);
  const { store, snapshotter } = engine;
  const { readImage, collectGarbage } = await import("@strata/store");
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
  await collectGarbage(store);
  await removeUnusedSnapshots(engine);
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

/** Committed snapshots that no tagged image's layer chain needs, removed children first. */
async function removeUnusedSnapshots(engine: Awaited<ReturnType<typeof openEngine>>): Promise<void> {
  const { store, snapshotter } = engine;
  const { readImage } = await import("@strata/store");
  const keep = new Set<string>();
  for (const t of await store.images.list()) {
    const image = await readImage(store, t.name);
    for (const c of chainIds(image.config.rootfs.diff_ids as Digest[])) keep.add(c);
  }
  const committed: { name: string; parent?: string }[] = [];
  await snapshotter.walk((info) => {
    if (info.kind === "committed") committed.push(info);
  });
  const parents = new Set(committed.map((s) => s.parent).filter(Boolean));
  let removable = committed.filter((s) => !keep.has(s.name));
  let progress = true;
  while (progress && removable.length) {
    progress = false;
    for (const s of removable) {
      if (parents.has(s.name) && committed.some((c) => c.parent === s.name)) continue;
      await snapshotter.remove(s.name).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      committed.splice(committed.indexOf(s), 1);
      progress = true;
    }
    removable = committed.filter((s) => !keep.has(s.name));
  }
}
