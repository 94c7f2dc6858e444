import { REF_NAME_ANNOTATION, type Descriptor, type Digest, type Manifest } from "@strata/core";
import { PARENT_ANNOTATION, STEP_KEY_ANNOTATION, readIndex } from "./index-file.js";
import type { Store } from "./store.js";

/** One image of the store (by ID), with every index entry that records it. */
export interface ImageNode {
  /** The image ID: its config digest. */
  id: Digest;
  manifests: Descriptor[];
  /** Full tag names. */
  names: string[];
  /** The image it was built on (the legacy builder's Parent), when recorded. */
  parent?: Digest;
  /** The cache key of the build step that made it, when recorded. */
  stepKey?: Digest;
}

/** The store's images and how they were built on each other, read from index.json and the manifests. */
export interface ImageGraph {
  byId: Map<Digest, ImageNode>;
  /** Images recorded as built directly on `id`. */
  children(id: Digest): ImageNode[];
}

export async function readImageGraph(store: Store): Promise<ImageGraph> {
  const byId = new Map<Digest, ImageNode>();
  const configOf = new Map<Digest, Digest | undefined>();
  for (const d of (await readIndex(store.root)).manifests) {
    if (!configOf.has(d.digest)) {
      const manifest = await store.content.readJSON<Manifest>(d.digest).catch(() => undefined); // a broken entry is `system check`'s to report
      configOf.set(d.digest, manifest?.config?.digest);
    }
    const id = configOf.get(d.digest);
    if (!id) continue;
    const node = byId.get(id) ?? { id, manifests: [], names: [] };
    if (!node.manifests.some((m) => m.digest === d.digest)) node.manifests.push({ mediaType: d.mediaType, digest: d.digest, size: d.size });
    const name = d.annotations?.[REF_NAME_ANNOTATION];
    if (name) node.names.push(name);
    const parent = d.annotations?.[PARENT_ANNOTATION] as Digest | undefined;
    if (parent && parent !== id) node.parent ??= parent;
    node.stepKey ??= d.annotations?.[STEP_KEY_ANNOTATION] as Digest | undefined;
    byId.set(id, node);
  }
  const kids = new Map<Digest, ImageNode[]>();
  for (const node of byId.values()) if (node.parent) kids.set(node.parent, [...(kids.get(node.parent) ?? []), node]);
  return { byId, children: (id) => kids.get(id) ?? [] };
}
