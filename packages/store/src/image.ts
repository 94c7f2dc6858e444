import {
  MediaType,
  REF_NAME_ANNOTATION,
  StrataError,
  canonicalJSON,
  isDigest,
  sha256,
  parseReference,
  formatReference,
  type Descriptor,
  type Digest,
  type ImageConfig,
  type Manifest,
} from "@strata/core";
import { readIndex } from "./index-file.js";
import type { Store } from "./store.js";

export interface ResolvedImage {
  /** Full normalised tag when resolved through one. */
  name?: string;
  manifestDesc: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
  configDigest: Digest;
}

/** Docker's image ID: the digest of the config JSON. */
export const imageIdOf = (manifest: Manifest): Digest => manifest.config.digest;

/** Store a config and a manifest over already-committed uncompressed layers. */
export async function writeImage(
  store: Store,
  image: { config: ImageConfig; layers: Descriptor[] },
  opts: WriteManifestOptions = {},
): Promise<{ manifest: Descriptor; configDigest: Digest }> {
  checkDiffIds(image.config, image.layers);
  const cfg = await store.content.put(canonicalJSON(image.config));
  return writeManifest(store, { mediaType: MediaType.ociConfig, ...cfg }, image.layers, opts);
}

export interface WriteManifestOptions {
  /**
   * Layers may be absent from the store (they are in a registry: a build that only pushes).
   * Such a manifest must not be tagged: the store's images are always complete.
   */
  allowMissingLayers?: boolean;
}

export interface WrittenImage {
  manifest: Descriptor;
  configDigest: Digest;
}

/**
 * Store several images over already-committed layers in one go (a build's step images and its
 * result): every config and manifest is written concurrently, so the cost of their fsyncs
 * overlaps. Layer blobs are checked once each.
 */
export async function writeImages(store: Store, images: { config: ImageConfig; layers: Descriptor[] }[]): Promise<WrittenImage[]> {
  const checked = new Set<Digest>();
  const blobs: string[] = [];
  const out: WrittenImage[] = [];
  for (const image of images) {
    checkDiffIds(image.config, image.layers);
    for (const l of image.layers) {
      if (checked.has(l.digest)) continue;
      if (!(await store.content.has(l.digest))) throw new StrataError("NOT_FOUND", `layer blob ${l.digest}: not found`);
      checked.add(l.digest);
    }
    const configJson = canonicalJSON(image.config);
    const config: Descriptor = { mediaType: MediaType.ociConfig, digest: sha256(configJson), size: Buffer.byteLength(configJson) };
    const manifestJson = canonicalJSON(manifestOver(config, image.layers));
    blobs.push(configJson, manifestJson);
    out.push({ manifest: { mediaType: MediaType.ociManifest, digest: sha256(manifestJson), size: Buffer.byteLength(manifestJson) }, configDigest: config.digest });
  }
  await store.content.putAll(blobs);
  return out;
}

function checkDiffIds(config: ImageConfig, layers: Descriptor[]): void {
  const diffIds = config.rootfs?.diff_ids ?? [];
  // An uncompressed layer's digest is its diffID; a compressed one (pulled) cannot be checked here.
  const uncompressed = (l: Descriptor) => !l.mediaType || l.mediaType === MediaType.ociLayer || l.mediaType === MediaType.dockerLayer;
  if (diffIds.length !== layers.length || diffIds.some((d, i) => uncompressed(layers[i]!) && d !== layers[i]!.digest)) {
    throw new StrataError("INVALID_ARGUMENT", "image config rootfs.diff_ids do not match the layer digests");
  }
}

function manifestOver(config: Descriptor, layers: Descriptor[]): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType || MediaType.ociLayer, digest: l.digest, size: l.size })),
  };
}

/** Store a manifest for a config blob already in the store. */
export async function writeManifest(
  store: Store,
  config: Descriptor,
  layers: Descriptor[],
  opts: WriteManifestOptions = {},
): Promise<{ manifest: Descriptor; configDigest: Digest }> {
  for (const l of opts.allowMissingLayers ? [] : layers) {
    if (!(await store.content.has(l.digest))) throw new StrataError("NOT_FOUND", `layer blob ${l.digest}: not found`);
  }
  const m = await store.content.put(canonicalJSON(manifestOver(config, layers)));
  return { manifest: { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size }, configDigest: config.digest };
}

interface Candidate {
  name?: string;
  desc: Descriptor;
}

/** Resolve a tag (any spelling), `name@digest`, a manifest digest, an image ID or a unique ID prefix. */
export async function readImage(store: Store, query: string): Promise<ResolvedImage> {
  const entries: Candidate[] = (await readIndex(store.root)).manifests.map((d) => ({
    name: d.annotations?.[REF_NAME_ANNOTATION],
    desc: { mediaType: d.mediaType, digest: d.digest, size: d.size },
  }));
  const byName = matchName(entries, query);
  if (byName) return load(store, byName);

  const hex = query.startsWith("sha256:") ? query.slice(7) : query;
  if (/^[a-f0-9]{1,64}$/.test(hex)) {
    // Keyed by image ID: two manifests over the same config are one image, as in Docker.
    const byId = new Map<Digest, ResolvedImage>();
    for (const c of entries) {
      const r = await load(store, { desc: c.desc }).catch((e: unknown) => {
        if (e instanceof StrataError && e.code === "NOT_FOUND") return undefined; // a broken entry cannot match
        throw e;
      });
      if (!r) continue;
      const hit = isDigest(query) ? r.configDigest === query || c.desc.digest === query : r.configDigest.slice(7).startsWith(hex);
      if (hit && !byId.has(r.configDigest)) byId.set(r.configDigest, r);
    }
    if (byId.size > 1) throw new StrataError("INVALID_ARGUMENT", `image ID prefix ${query}: ambiguous (matches ${byId.size} images)`);
    const only = [...byId.values()][0];
    if (only) return only;
  }
  throw new StrataError("NOT_FOUND", `image ${query}: not found`, { hint: "list images to see names and IDs" });
}

function matchName(entries: Candidate[], query: string): Candidate | undefined {
  let ref;
  try {
    ref = parseReference(query);
  } catch {
    return undefined;
  }
  if (ref.digest) {
    const c = entries.find((e) => e.desc.digest === ref.digest);
    return c && { desc: c.desc, name: ref.tag ? formatReference({ ...ref, digest: undefined }) : undefined };
  }
  const full = formatReference(ref);
  return entries.find((e) => e.name === full);
}

/** The image an index entry (or any manifest descriptor) points at, without resolving a name. */
export function readImageAt(store: Store, manifest: Descriptor, name?: string): Promise<ResolvedImage> {
  return load(store, { desc: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size }, name });
}

async function load(store: Store, c: Candidate): Promise<ResolvedImage> {
  const manifest = await store.content.readJSON<Manifest>(c.desc.digest);
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new StrataError("INVALID_ARGUMENT", `manifest ${c.desc.digest}: not an image manifest`);
  }
  const config = await store.content.readJSON<ImageConfig>(manifest.config.digest);
  return { name: c.name, manifestDesc: c.desc, manifest, config, configDigest: manifest.config.digest };
}
