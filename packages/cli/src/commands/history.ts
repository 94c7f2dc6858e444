import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { humanSize, shortId, table, timeAgo, truncate } from "../format.js";

/**
 * `strata history`: Docker's columns, newest first. The top entry carries the image ID;
 * the others show `<missing>` as Docker does for BuildKit images. The LAYER column (ours)
 * names each entry's layer by its diffID, so layers shared between images are visible.
 */
export async function historyCommand(ref: string, opts: { trunc: boolean; human: boolean | string }, globals: GlobalOptions): Promise<void> {
  const store = await openStoreOnly(globals);
  const { readImage } = await import("@strata/store");
  const image = await readImage(store, ref);
  const history = image.config.history ?? [];
  const diffIds = image.config.rootfs.diff_ids;
  const human = opts.human !== "false" && opts.human !== false;
  let layer = 0;
  const rows = history.map((h) => {
    const index = h.empty_layer ? -1 : layer++;
    const size = index >= 0 ? (image.manifest.layers[index]?.size ?? 0) : 0;
    return {
      layer: index >= 0 ? diffIds[index] : undefined,
      created: human ? timeAgo(h.created) : (h.created ?? ""),
      createdBy: opts.trunc ? truncate(h.created_by ?? "", 45) : (h.created_by ?? ""),
      size: human ? humanSize(size) : String(size),
      comment: h.comment ?? "",
    };
  });
  rows.reverse();
  const id = (d: string) => (opts.trunc ? shortId(d) : d);
  process.stdout.write(
    table(
      ["IMAGE", "LAYER", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
      rows.map((r, i) => [i === 0 ? id(image.configDigest) : "<missing>", r.layer ? id(r.layer) : "", r.created, r.createdBy, r.size, r.comment]),
    ),
  );
}
