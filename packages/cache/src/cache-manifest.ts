import { MediaType, StrataError, isDigest, type Descriptor, type Digest, type Manifest } from "@strata/core";
import type { CacheRecord, CacheStore } from "./cache-store.js";
import { keyOf, type KeyPreimage } from "./step-key.js";

export const CACHE_ARTIFACT_TYPE = "application/vnd.strata.cache.v1";
export const CACHE_CONFIG_MEDIA_TYPE = "application/vnd.strata.cache.config.v1+json";

/** The cache manifest's config blob: records point at layers by index into `manifest.layers`. */
export interface CacheConfig {
  records: { key: Digest; layer?: number; diffId?: Digest; config?: unknown; created: string }[];
  preimages?: Record<string, KeyPreimage>;
}

/** A cache as an OCI image manifest: a plain artifact every registry accepts (no manifest list). */
export type CacheManifest = Manifest & { artifactType: string };

/**
 * The cache document for `records`: each distinct layer once, through `putLayers`, which
 * stores them where the cache goes (in parallel, if it likes) and returns the descriptors to
 * list, in order (a registry export compresses, so they differ from the records' own).
 */
export async function cacheDocument(opts: {
  records: CacheRecord[];
  store: CacheStore;
  putLayers: (layers: Descriptor[]) => Promise<Descriptor[]>;
  preimages?: boolean;
}): Promise<{ config: CacheConfig; layers: Descriptor[] }> {
  const distinct: Descriptor[] = [];
  const layerIndex = new Map<Digest, number>();
  const config: CacheConfig = { records: [] };
  for (const r of opts.records) {
    let index: number | undefined;
    if (r.layer) {
      index = layerIndex.get(r.layer.digest);
      if (index === undefined) {
        index = distinct.push({ mediaType: r.layer.mediaType, digest: r.layer.digest, size: r.layer.size }) - 1;
        layerIndex.set(r.layer.digest, index);
      }
    }
    config.records.push({ key: r.key, layer: index, diffId: r.diffId, config: r.config, created: r.created });
    if (opts.preimages !== false) {
      const pre = await opts.store.preimage(r.key);
      if (pre) (config.preimages ??= {})[r.key] = pre;
    }
  }
  const layers = (await opts.putLayers(distinct)).map((d) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size }));
  return { config, layers };
}

export function cacheManifest(config: Descriptor, layers: Descriptor[]): CacheManifest {
  return { schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType: CACHE_ARTIFACT_TYPE, config, layers };
}

/** Checks a fetched manifest is a strata cache; `where` names it in errors. */
export function checkCacheManifest(manifest: Manifest, where: string): void {
  if (manifest.config?.mediaType !== CACHE_CONFIG_MEDIA_TYPE) {
    throw new StrataError("INVALID_ARGUMENT", `${where}: not a strata cache (config ${manifest.config?.mediaType})`);
  }
}

/**
 * Saves a cache's records into `store`, skipping keys it already has. `useLayer` makes each
 * layer available (copies it, or remembers where it is) once, before the first record using it.
 * Imported records have a layer but no snapshot: a build makes the snapshot when it needs it.
 */
export async function saveCacheRecords(opts: {
  manifest: Manifest;
  config: CacheConfig;
  store: CacheStore;
  useLayer: (layer: Descriptor) => Promise<void>;
}): Promise<CacheRecord[]> {
  const { manifest, config } = opts;
  const imported: CacheRecord[] = [];
  const used = new Set<Digest>();
  for (const r of config.records ?? []) {
    if (!isDigest(r.key) || (await opts.store.lookup(r.key))) continue;
    const layer = r.layer === undefined ? undefined : manifest.layers[r.layer];
    if (r.layer !== undefined && !layer) throw new StrataError("INVALID_ARGUMENT", `cache record ${r.key}: no layer ${r.layer}`);
    if (layer && !used.has(layer.digest)) {
      await opts.useLayer(layer);
      used.add(layer.digest);
    }
    const given = config.preimages?.[r.key];
    const pre = given && keyOf(given) === r.key ? given : undefined; // a pre-image is only advice
    const record = await opts.store.save(
      r.key,
      { layer: layer && { digest: layer.digest, size: layer.size, mediaType: layer.mediaType }, diffId: r.diffId, config: r.config, created: r.created },
      pre,
    );
    imported.push(record);
  }
  return imported;
}
