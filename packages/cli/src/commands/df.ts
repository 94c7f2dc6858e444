import { readdir, lstat } from "node:fs/promises";
import path from "node:path";
import { noProgress } from "@strata/core";
import { openEngine, type GlobalOptions } from "../engine.js";
import { humanSize, table } from "../format.js";

/** `strata system df`: images, build cache and their sizes, in Docker's columns. */
export async function dfCommand(globals: GlobalOptions): Promise<void> {
  const engine = await openEngine(globals, noProgress);
  const { readImage } = await import("@strata/store");
  const tags = await engine.store.images.list();
  const imageLayers = new Map<string, number>();
  for (const t of tags) for (const l of (await readImage(engine.store, t.name)).manifest.layers) imageLayers.set(l.digest, l.size);
  const records = await engine.cache.list();
  const cacheLayers = new Map<string, number>();
  for (const r of records) if (r.layer && !imageLayers.has(r.layer.digest)) cacheLayers.set(r.layer.digest, r.layer.size);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const blobs = await dirSize(path.join(engine.store.root, "blobs", "sha256"));
  process.stdout.write(
    table(
      ["TYPE", "TOTAL", "SIZE", "RECLAIMABLE"],
      [
        ["Images", String(tags.length), humanSize(sum(imageLayers)), "0B"],
        ["Build Cache", String(records.length), humanSize(sum(cacheLayers)), humanSize(sum(cacheLayers))],
        ["Blobs on disk", "", humanSize(blobs), ""],
      ],
    ),
  );
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await lstat(path.join(dir, name))).size;
  return total;
}
