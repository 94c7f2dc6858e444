import { familiarRepository, parseReference } from "@strata/core";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { humanSize, shortId, table, timeAgo } from "../format.js";

/** `strata images`: Docker's columns, newest first. */
export async function imagesCommand(opts: { quiet?: boolean; trunc: boolean }, globals: GlobalOptions): Promise<void> {
  const store = await openStoreOnly(globals);
  const { readImage } = await import("@strata/store");
  const rows: { repo: string; tag: string; id: string; created?: string; size: number }[] = [];
  for (const record of await store.images.list()) {
    const image = await readImage(store, record.name);
    const ref = parseReference(record.name);
    rows.push({
      repo: familiarRepository(ref.repository),
      tag: ref.tag ?? "<none>",
      id: image.configDigest,
      created: image.config.created,
      size: image.manifest.layers.reduce((n, l) => n + l.size, 0),
    });
  }
  rows.sort((a, b) => (b.created ?? "").localeCompare(a.created ?? "") || a.repo.localeCompare(b.repo));
  const id = (d: string) => (opts.trunc ? shortId(d) : d);
  if (opts.quiet) {
    process.stdout.write([...new Set(rows.map((r) => id(r.id)))].map((l) => `${l}\n`).join(""));
    return;
  }
  process.stdout.write(
    table(
      ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
      rows.map((r) => [r.repo, r.tag, id(r.id), timeAgo(r.created), humanSize(r.size)]),
    ),
  );
}
