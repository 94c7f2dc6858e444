import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ownerPid, processAlive, StrataError, type Descriptor, type Digest, type Manifest } from "@strata/core";
import { readIndex } from "./index-file.js";
import { layoutPaths } from "./layout.js";
import { withStoreLock } from "./lock.js";
import type { Store } from "./store.js";

/**
 * Delete blobs not reachable from index.json (index entry → manifest → config, layers).
 * Blobs in `keep` (e.g. layers the build cache refers to) are kept, and so are blobs written
 * after the oldest live lease began: an import in progress has
 * committed blobs that no tag points at yet.
 */
export async function collectGarbage(store: Store, opts: { keep?: Iterable<Digest> } = {}): Promise<{ removed: Digest[] }> {
  return withStoreLock(store.root, async () => {
    const live = new Set<Digest>(opts.keep ?? []);
    const queue: Descriptor[] = [...(await readIndex(store.root)).manifests];
    while (queue.length > 0) {
      const d = queue.pop()!;
      if (live.has(d.digest)) continue;
      live.add(d.digest);
      if (!isManifestish(d.mediaType) || !(await store.content.has(d.digest))) continue;
      const doc = await store.content.readJSON<Partial<Manifest> & { manifests?: Descriptor[] }>(d.digest);
      if (doc.config) queue.push(doc.config);
      queue.push(...(doc.layers ?? []), ...(doc.manifests ?? []));
    }
    const since = await oldestLiveLease(store.root);
    const removed: Digest[] = [];
    await store.content.walk(async ({ digest }) => {
      if (live.has(digest)) return;
      if (since !== undefined) {
        const st = await stat(store.content.blobPath(digest)).catch(() => undefined);
        if (!st || st.mtimeMs >= since) return;
      }
      await store.content.delete(digest).catch((e: unknown) => {
        if (!(e instanceof StrataError && e.code === "NOT_FOUND")) throw e;
      });
      removed.push(digest);
    });
    return { removed };
  });
}

const isManifestish = (mt: string): boolean => /manifest|index/.test(mt);

/** A lease protects blobs an operation writes before it tags them (held by a live pid). */
export async function withLease<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const file = path.join(layoutPaths(store.root).leases, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, String(Date.now() - 1000));
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

async function oldestLiveLease(root: string): Promise<number | undefined> {
  const dir = layoutPaths(root).leases;
  let oldest: number | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = ownerPid(name);
    if (pid === undefined || !processAlive(pid)) {
      await rm(path.join(dir, name), { force: true });
      continue;
    }
    const since = Number(await readFile(path.join(dir, name), "utf8").catch(() => "0")) || 0;
    oldest = oldest === undefined ? since : Math.min(oldest, since);
  }
  return oldest;
}
