import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { humanSize, rfc3339, shortId, timeAgo, truncate } from "../format.js";
import { formatList, type Row } from "../list-format.js";

export interface HistoryOptions {
  trunc: boolean;
  human: boolean;
  quiet?: boolean;
  format?: string;
}

const HEADERS = { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT", Layer: "LAYER" };
const TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}\t{{.Layer}}";
const TABLE_NOT_HUMAN = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}\t{{.Layer}}";

/**
 * `strata history`: Docker's columns and fields, newest first, plus LAYER (the diffID of the
 * step's layer, so layers shared between images show). IMAGE is the image in the store whose
 * top is that step: the build records one per step, so a chain built here shows real IDs, and
 * `<missing>` only marks steps built elsewhere. The image may also be an archive or OCI layout.
 */
export async function historyCommand(ref: string, opts: HistoryOptions, globals: GlobalOptions): Promise<void> {
  const { openImage } = await import("@strata/compare");
  const image = await openImage(ref, { store: await openStoreOnly(globals) });
  const ids = await image.stepImages();
  const sizes = await Promise.all(image.steps.map((s) => (s.layer === undefined ? 0 : image.layerSize(s.layer))));
  const id = (d: string | undefined) => (d === undefined ? "<missing>" : opts.trunc ? shortId(d) : d);
  const rows: Row[] = image.steps.map((s, i) => {
    const createdBy = s.createdBy.replaceAll("\t", " ");
    const createdAt = rfc3339(s.created);
    const layer = s.layer === undefined ? "" : image.layers[s.layer]!.diffId;
    return {
      ID: id(ids[i]),
      CreatedAt: createdAt,
      CreatedSince: opts.human ? timeAgo(s.created ?? new Date(0).toISOString()) : createdAt,
      CreatedBy: opts.trunc ? truncate(createdBy, 45) : createdBy,
      Size: opts.human ? humanSize(sizes[i]!) : String(sizes[i]),
      Comment: s.comment,
      Layer: layer && opts.trunc ? shortId(layer) : layer,
    };
  });
  rows.reverse();
  const table = opts.human ? TABLE : TABLE_NOT_HUMAN;
  const format = opts.quiet && (!opts.format || opts.format === "table") ? "{{.ID}}" : opts.format;
  process.stdout.write(formatList(format, rows, { table, headers: HEADERS }));
}
