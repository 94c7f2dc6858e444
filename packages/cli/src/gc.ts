import { chainIds, isNotFound, type Digest } from "@strata/core";
import type { CacheStore } from "@strata/cache";
import type { Snapshotter } from "@strata/layers";
import type { Store } from "@strata/store";

/**
 * Removes what neither an image in the index (tagged, dangling or a step image other images
 * were built on) nor a cache record uses: blobs, then committed snapshots (children before
 * parents). Cache records keep their layer blobs and snapshots.
 */
export async function collectUnused(store: Store, snapshotter: Snapshotter, cache: CacheStore): Promise<{ blobs: number; snapshots: number }> {
  const { readImageAt, collectGarbage } = await import("@strata/store");
  const records = await cache.list();
  const { removed } = await collectGarbage(store, { keep: records.flatMap((r) => (r.layer ? [r.layer.digest] : [])) });
  const keep = new Set<string>(records.flatMap((r) => (r.snapshot ? [r.snapshot] : [])));
  const seen = new Set<string>();
  for (const entry of await store.images.listAll()) {
    if (seen.has(entry.target.digest)) continue;
    seen.add(entry.target.digest);
    const image = await readImageAt(store, entry.target);
    for (const c of chainIds(image.config.rootfs.diff_ids as Digest[])) keep.add(c);
  }
  const committed: { name: string; parent?: string }[] = [];
  await snapshotter.walk((info) => {
    if (info.kind === "committed") committed.push({ name: info.name, parent: info.parent });
  });
  // A kept snapshot keeps its whole parent chain.
  const byName = new Map(committed.map((s) => [s.name, s]));
  for (const name of [...keep]) {
    for (let p = byName.get(name)?.parent; p && !keep.has(p); p = byName.get(p)?.parent) keep.add(p);
  }
  let removedSnapshots = 0;
  let pending = committed.filter((s) => !keep.has(s.name));
  while (pending.length > 0) {
    const parents = new Set(committed.map((s) => s.parent));
    const leaves = pending.filter((s) => !parents.has(s.name));
    if (leaves.length === 0) break;
    for (const s of leaves) {
      await snapshotter.remove(s.name).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      committed.splice(committed.indexOf(s), 1);
      removedSnapshots++;
    }
    pending = pending.filter((s) => !leaves.includes(s));
  }
  return { blobs: removed.length, snapshots: removedSnapshots };
}
