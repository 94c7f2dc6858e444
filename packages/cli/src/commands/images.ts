import { familiarName, familiarRepository, parseReference, type Digest } from "@strata/core";
import type { ImageEntry, ResolvedImage, Store } from "@strata/store";
import { openStoreOnly, type GlobalOptions } from "../engine.js";
import { usageError } from "../errors.js";
import { parseFilters, type Filters } from "../filters.js";
import { goTime, humanSize, shortId, timeAgo } from "../format.js";
import { imageSize } from "../image-size.js";
import { formatList, type Row } from "../list-format.js";

export interface ImagesOptions {
  quiet?: boolean;
  trunc: boolean;
  all?: boolean;
  digests?: boolean;
  format?: string;
  filter: string[];
}

const HEADERS = {
  Repository: "REPOSITORY",
  Tag: "TAG",
  ID: "IMAGE ID",
  Digest: "DIGEST",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  VirtualSize: "VIRTUAL SIZE",
  SharedSize: "SHARED SIZE",
  UniqueSize: "UNIQUE SIZE",
  Containers: "CONTAINERS",
};
const TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
const TABLE_DIGESTS = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

/** One image (by manifest) with every name the index gives it. */
interface Listed {
  image: ResolvedImage;
  names: string[];
  created: string;
  parent?: string;
}

/**
 * `strata images`: Docker's columns, filters (`reference`, `dangling`, `before`, `since`,
 * `label`) and `--format`, newest first. An image has one row per tag; an untagged one is
 * `<none>:<none>`.
 */
export async function imagesCommand(repository: string | undefined, opts: ImagesOptions, globals: GlobalOptions): Promise<void> {
  const filters = parseFilters(opts.filter, ["reference", "dangling", "before", "since", "label"]);
  if (repository) filters.add("reference", repository);
  const store = await openStoreOnly(globals);
  const listed = await listImages(store);
  const selected = await applyFilters(store, listed, filters, opts.all ?? false);

  const id = (d: Digest) => (opts.trunc ? shortId(d) : d);
  const { RegistryState } = await import("@strata/store/registry");
  const registry = new RegistryState(store.root);
  // The repository's digest of the image, when it was pulled from or pushed to it (Docker's RepoDigests).
  const digestIn = (repository: string, image: Digest) => registry.repoDigests(image).find((d) => d.startsWith(`${repository}@`))?.slice(repository.length + 1) ?? "<none>";
  const rows: Row[] = [];
  for (const { item, names } of selected) {
    const size = await imageSize(store, item.image);
    const base = {
      Containers: "N/A",
      CreatedAt: goTime(item.image.config.created),
      CreatedSince: timeAgo(item.image.config.created),
      Digest: "<none>",
      ID: id(item.image.configDigest),
      SharedSize: "N/A",
      Size: humanSize(size),
      UniqueSize: "N/A",
      VirtualSize: humanSize(size, 4),
    };
    if (names.length === 0) rows.push({ ...base, Repository: "<none>", Tag: "<none>" });
    for (const name of names) {
      const ref = parseReference(name);
      rows.push({ ...base, Repository: familiarRepository(ref.repository), Tag: ref.tag ?? "<none>", Digest: digestIn(ref.repository, item.image.configDigest) });
    }
  }
  if (opts.quiet) {
    const ids = rows.map((r) => String(r.ID));
    process.stdout.write(ids.filter((v, i) => ids.indexOf(v) === i).map((l) => `${l}\n`).join(""));
    return;
  }
  process.stdout.write(formatList(opts.format, rows, { table: opts.digests ? TABLE_DIGESTS : TABLE, headers: HEADERS }));
}

/** Every image in the index, once per manifest, newest first. */
export async function listImages(store: Store): Promise<Listed[]> {
  const { readImageAt, PARENT_ANNOTATION } = await import("@strata/store");
  const byManifest = new Map<string, { entries: ImageEntry[] }>();
  for (const entry of await store.images.listAll()) {
    const group = byManifest.get(entry.target.digest) ?? { entries: [] };
    group.entries.push(entry);
    byManifest.set(entry.target.digest, group);
  }
  const listed: Listed[] = [];
  for (const { entries } of byManifest.values()) {
    const image = await readImageAt(store, entries[0]!.target).catch(() => undefined); // a broken entry is `system check`'s to report
    if (!image) continue;
    const names = entries.flatMap((e) => (e.name ? [e.name] : [])).sort((a, b) => (familiarName(a) < familiarName(b) ? -1 : 1));
    const parent = entries.find((e) => e.target.annotations?.[PARENT_ANNOTATION])?.target.annotations?.[PARENT_ANNOTATION];
    listed.push({ image, names, created: image.config.created ?? entries[0]!.created, parent });
  }
  // Newest first; of images made in the same second, a step image after the image it was built on.
  const steps = (l: Listed) => l.image.config.history?.length ?? 0;
  listed.sort((a, b) => b.created.localeCompare(a.created) || steps(b) - steps(a) || (a.names[0] ?? "").localeCompare(b.names[0] ?? ""));
  return listed;
}

async function applyFilters(store: Store, listed: Listed[], filters: Filters, all: boolean): Promise<{ item: Listed; names: string[] }[]> {
  const { readImage } = await import("@strata/store");
  const { goMatch } = await import("@strata/cache");
  const createdOf = async (ref: string) => {
    const image = await readImage(store, ref).catch(() => {
      throw usageError(`No such image: ${ref}`);
    });
    return image.config.created ?? "";
  };
  const before = await Promise.all(filters.values("before").map(createdOf));
  const since = await Promise.all(filters.values("since").map(createdOf));
  const dangling = filters.values("dangling").map((v) => {
    if (v !== "true" && v !== "false" && v !== "1" && v !== "0") throw usageError(`invalid filter 'dangling=${v}'`);
    return v === "true" || v === "1";
  });
  const refs = filters.values("reference");
  const labels = filters.values("label");
  const parents = new Set(listed.flatMap((l) => (l.parent ? [l.parent] : [])));

  const out: { item: Listed; names: string[] }[] = [];
  for (const item of listed) {
    const created = item.image.config.created ?? "";
    if (before.length && !before.every((b) => created < b)) continue;
    if (since.length && !since.every((s) => created > s)) continue;
    // Unlike the other keys, Docker requires every label filter to match.
    if (!labels.every((l) => hasLabel(item.image, l))) continue;
    const untagged = item.names.length === 0;
    if (dangling.length) {
      if (dangling.includes(true) && !dangling.includes(false) && !untagged) continue;
      if (dangling.includes(false) && !dangling.includes(true) && untagged) continue;
    }
    // Docker hides an untagged image that other images were built on (an intermediate step
    // image) unless -a; dangling=true never lists one (Docker takes only images without children).
    const danglingOnly = dangling.includes(true) && !dangling.includes(false);
    if (untagged && (!all || danglingOnly) && parents.has(item.image.configDigest)) continue;
    let names = item.names;
    if (refs.length) {
      if (untagged) continue;
      names = names.filter((n) => refs.some((pattern) => referenceMatches(goMatch, pattern, n)));
      if (names.length === 0) continue;
    }
    out.push({ item, names });
  }
  return out;
}

/** Docker's reference.FamiliarMatch: the pattern against `name:tag`, then against `name`. */
function referenceMatches(goMatch: (p: string, s: string) => boolean, pattern: string, name: string): boolean {
  const ref = parseReference(name);
  try {
    return goMatch(pattern, familiarName(ref)) || goMatch(pattern, familiarRepository(ref.repository));
  } catch {
    throw usageError(`invalid filter 'reference=${pattern}': bad pattern`);
  }
}

function hasLabel(image: ResolvedImage, filter: string): boolean {
  const labels = image.config.config?.Labels ?? {};
  const eq = filter.indexOf("=");
  if (eq < 0) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
