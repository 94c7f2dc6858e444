import { REF_NAME_ANNOTATION, StrataError, parseReference, formatReference, type Descriptor } from "@strata/core";
import { CREATED_ANNOTATION, readIndex, updateIndex } from "./index-file.js";
import type { ImageEntry, ImageRecord, ImageStore } from "./types.js";

/** Normalise a tag for storage; digests cannot be tags. */
export function normalizeTag(name: string): string {
  const ref = parseReference(name);
  if (ref.digest) throw new StrataError("INVALID_ARGUMENT", `${name}: a digest reference cannot be used as a tag`);
  return formatReference(ref);
}

const refNameOf = (d: Descriptor): string | undefined => d.annotations?.[REF_NAME_ANNOTATION];

function toRecord(d: Descriptor): ImageEntry {
  const { annotations = {}, ...rest } = d;
  const { [REF_NAME_ANNOTATION]: name, [CREATED_ANNOTATION]: created, ...other } = annotations;
  const target: Descriptor = Object.keys(other).length > 0 ? { ...rest, annotations: other } : rest;
  return { name, target, created: created ?? "" };
}

/** Whether index entry `d` records `target` under `name`, with `target`'s annotations when `withAnnotations`. */
function sameEntry(d: Descriptor, name: string | undefined, target: Descriptor, withAnnotations = true): boolean {
  // An untagged image is recorded by any entry of its manifest, tagged or not.
  if (d.digest !== target.digest || (name !== undefined && refNameOf(d) !== name)) return false;
  if (!withAnnotations) return true;
  return Object.entries(target.annotations ?? {}).every(([k, v]) => d.annotations?.[k] === v);
}

function toEntry(target: Descriptor, created: string, name?: string): Descriptor {
  const annotations: Record<string, string> = { ...target.annotations, [CREATED_ANNOTATION]: created };
  if (name !== undefined) annotations[REF_NAME_ANNOTATION] = name;
  return { ...target, annotations };
}

/** Tags kept in the layout's index.json as manifest descriptors annotated with their full name. */
export class IndexImageStore implements ImageStore {
  constructor(readonly root: string) {}

  async get(name: string): Promise<ImageRecord> {
    const full = normalizeTag(name);
    const entry = (await readIndex(this.root)).manifests.find((d) => refNameOf(d) === full);
    if (!entry) throw new StrataError("NOT_FOUND", `image ${full}: not found`);
    return toRecord(entry) as ImageRecord;
  }

  async list(): Promise<ImageRecord[]> {
    const { manifests } = await readIndex(this.root);
    return manifests.filter((d) => refNameOf(d) !== undefined).map((d) => toRecord(d) as ImageRecord);
  }

  async listAll(): Promise<ImageEntry[]> {
    return (await readIndex(this.root)).manifests.map(toRecord);
  }

  async put(name: string, target: Descriptor): Promise<void> {
    await this.putImages([{ name, target }]);
  }

  /**
   * Records several images in one index update (a build's step images and its tags). A tag
   * takes its name from any other image; the image it moves away from stays, untagged
   * (dangling), as in Docker, unless another entry still refers to it. An untagged image is
   * recorded once per manifest. The index is rewritten only when something changes (a fully
   * cached rebuild writes nothing); an existing entry gains annotations it lacked.
   */
  async putImages(items: { name?: string; target: Descriptor }[]): Promise<void> {
    const wanted = items.map((i) => ({ name: i.name === undefined ? undefined : normalizeTag(i.name), target: i.target }));
    const { manifests: current } = await readIndex(this.root);
    if (wanted.every((w) => current.some((d) => sameEntry(d, w.name, w.target)))) return;
    const created = new Date().toISOString();
    await updateIndex(this.root, (manifests) => {
      for (const w of wanted) {
        const existing = manifests.find((d) => sameEntry(d, w.name, w.target, false));
        if (existing) {
          existing.annotations = { ...w.target.annotations, ...existing.annotations };
          continue;
        }
        if (w.name === undefined) {
          manifests.push(toEntry(w.target, created));
          continue;
        }
        const full = w.name;
        const displaced = manifests.find((d) => refNameOf(d) === full);
        // An untagged entry of the same image gives way to the tag, keeping its annotations.
        const untagged = manifests.find((d) => refNameOf(d) === undefined && d.digest === w.target.digest);
        const keep = manifests.filter((d) => refNameOf(d) !== full && d !== untagged);
        if (displaced && displaced.digest !== w.target.digest && !keep.some((d) => d.digest === displaced.digest)) {
          keep.push(toEntry(toRecord(displaced).target, displaced.annotations?.[CREATED_ANNOTATION] ?? created));
        }
        const annotations = { ...untagged?.annotations, ...w.target.annotations };
        delete annotations[CREATED_ANNOTATION];
        keep.push(toEntry({ ...w.target, annotations }, created, full));
        manifests.splice(0, manifests.length, ...keep);
      }
    });
  }

  async delete(name: string): Promise<void> {
    const full = normalizeTag(name);
    await updateIndex(this.root, (manifests) => {
      const i = manifests.findIndex((d) => refNameOf(d) === full);
      if (i < 0) throw new StrataError("NOT_FOUND", `image ${full}: not found`);
      manifests.splice(i, 1);
    });
  }

  /** Record an image with no name (e.g. loaded from an archive without tags) so it is kept. */
  async putUntagged(target: Descriptor): Promise<void> {
    await this.putImages([{ target }]);
  }

  /**
   * Remove a tag. With `keepImage`, the image stays as an untagged entry (with the tag's
   * annotations) when no other entry refers to it: Docker keeps an untagged image other
   * images were built on.
   */
  async untag(name: string, opts: { keepImage?: boolean } = {}): Promise<void> {
    const full = normalizeTag(name);
    await updateIndex(this.root, (manifests) => {
      const i = manifests.findIndex((d) => refNameOf(d) === full);
      if (i < 0) throw new StrataError("NOT_FOUND", `image ${full}: not found`);
      const [removed] = manifests.splice(i, 1);
      if (opts.keepImage && !manifests.some((d) => d.digest === removed!.digest)) {
        const { [REF_NAME_ANNOTATION]: _name, ...annotations } = removed!.annotations ?? {};
        manifests.push({ ...removed!, annotations });
      }
    });
  }

  /** Remove every index entry (tagged or not) pointing at this manifest. */
  async deleteManifest(digest: Descriptor["digest"]): Promise<number> {
    return updateIndex(this.root, (manifests) => {
      const keep = manifests.filter((d) => d.digest !== digest);
      const removed = manifests.length - keep.length;
      manifests.splice(0, manifests.length, ...keep);
      return removed;
    });
  }
}

/** Drop every index entry (tags and untagged) for a manifest, e.g. `rmi` of an untagged image; GC frees its blobs. */
export function removeManifest(store: { root: string }, digest: Descriptor["digest"]): Promise<number> {
  return new IndexImageStore(store.root).deleteManifest(digest);
}
