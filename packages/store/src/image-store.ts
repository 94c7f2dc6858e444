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
    const full = normalizeTag(name);
    // Tagging an image again with the name it already has changes nothing (a fully cached rebuild).
    const { manifests: current } = await readIndex(this.root);
    if (current.some((d) => refNameOf(d) === full && d.digest === target.digest)) return;
    const created = new Date().toISOString();
    await updateIndex(this.root, (manifests) => {
      const displaced = manifests.find((d) => refNameOf(d) === full);
      const keep = manifests.filter((d) => refNameOf(d) !== full && !(refNameOf(d) === undefined && d.digest === target.digest));
      // As in Docker, the image a tag moves away from stays, untagged (dangling), unless another
      // entry still refers to it; `image prune` removes it.
      if (displaced && displaced.digest !== target.digest && !keep.some((d) => d.digest === displaced.digest)) {
        keep.push(toEntry(toRecord(displaced).target, displaced.annotations?.[CREATED_ANNOTATION] ?? created));
      }
      manifests.splice(0, manifests.length, ...keep, toEntry(target, created, full));
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
    const created = new Date().toISOString();
    await updateIndex(this.root, (manifests) => {
      if (manifests.some((d) => d.digest === target.digest)) return;
      manifests.push(toEntry(target, created));
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
