import { noProgress, StrataError } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { collectUnused } from "../gc.js";
import { humanSize } from "../format.js";
import { parseDuration, parseSize } from "../units.js";

/**
 * `strata builder prune`: drops cache records (least recently used first when limited), then
 * the blobs and snapshots nothing else uses. Without flags it drops records whose results no
 * tagged image contains (Docker's "dangling" build cache); `--all` drops every record.
 */
export async function pruneCommand(opts: { all?: boolean; keepStorage?: string; filter: string[] }, globals: GlobalOptions): Promise<void> {
  const engine = await openEngine(globals, noProgress);
  const { pruneCache } = await import("@strata/cache");
  const { readImage } = await import("@strata/store");
  let olderThan: number | undefined;
  for (const f of opts.filter) {
    const m = /^until=(.+)$/.exec(f);
    if (!m) throw new StrataError("INVALID_ARGUMENT", `unsupported filter: ${f}`, { hint: "supported: until=DURATION (e.g. 24h)" });
    olderThan = parseDuration(m[1]!);
  }
  const limited = opts.keepStorage !== undefined || olderThan !== undefined;
  let drop = limited ? await pruneCache(engine.cache, { keepBytes: opts.keepStorage ? parseSize(opts.keepStorage) : undefined, olderThan }) : await engine.cache.list();
  if (!opts.all && !limited) {
    const inImages = new Set<string>();
    for (const t of await engine.store.images.list()) for (const l of (await readImage(engine.store, t.name)).manifest.layers) inImages.add(l.digest);
    drop = drop.filter((r) => !r.layer || !inImages.has(r.layer.digest));
  }
  let bytes = 0;
  for (const r of drop) {
    await engine.cache.delete(r.key);
    bytes += r.layer?.size ?? 0;
  }
  const removed = await collectUnused(engine.store, engine.snapshotter, engine.cache);
  process.stdout.write(`Deleted ${drop.length} cache records, ${removed.blobs} blobs, ${removed.snapshots} snapshots\nTotal reclaimed space: ${humanSize(bytes)}\n`);
}
