import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { MediaType, StrataError, errnoCode, writeFileAtomic, type Descriptor, type Index, type Manifest } from "@strata/core";
import { CACHE_ARTIFACT_TYPE, cacheDocument, cacheManifest, checkCacheManifest, saveCacheRecords, CACHE_CONFIG_MEDIA_TYPE, type CacheConfig } from "./cache-manifest.js";
import type { CacheRecord, CacheStore } from "./cache-store.js";
import { OciLayoutDir, type BlobData } from "./oci-layout-dir.js";

export { CACHE_ARTIFACT_TYPE, CACHE_CONFIG_MEDIA_TYPE } from "./cache-manifest.js";

export interface ExportCacheOptions {
  /** Output directory: an OCI image layout (created if needed; may already hold other images). */
  dir: string;
  store: CacheStore;
  /** Records to export (default: all in the store). Records without a layer export as metadata. */
  records?: CacheRecord[];
  /** Layer bytes from the content store. */
  getBlob: (layer: Descriptor) => Promise<BlobData>;
  /** Reference name in index.json (default "cache"). */
  tag?: string;
  /** Include pre-images, so misses against an imported cache can be explained (default true). */
  preimages?: boolean;
}

/**
 * Write cache records and their layers as one OCI image manifest (artifactType
 * CACHE_ARTIFACT_TYPE, config = CacheConfig, layers = the layer blobs, each once). A plain image
 * manifest rather than a custom index keeps it pushable to registries that reject BuildKit's
 * cache manifest lists (moby/buildkit#699, #1143). Snapshot names are local and not exported.
 */
export async function exportCache(opts: ExportCacheOptions): Promise<Descriptor> {
  const layout = new OciLayoutDir(opts.dir);
  await layout.init();
  const { config, layers } = await cacheDocument({
    records: opts.records ?? (await opts.store.list()),
    store: opts.store,
    preimages: opts.preimages,
    putLayers: async (layers) => {
      for (const desc of layers) await layout.putBlob(desc, await opts.getBlob(desc));
      return layers;
    },
  });
  const configDesc = await layout.putJSON(CACHE_CONFIG_MEDIA_TYPE, config);
  const manifestDesc = await layout.putJSON(MediaType.ociManifest, cacheManifest(configDesc, layers));
  const tag = opts.tag ?? "cache";
  const index = await readIndex(opts.dir);
  const named = { ...manifestDesc, artifactType: CACHE_ARTIFACT_TYPE, annotations: { "org.opencontainers.image.ref.name": tag } };
  index.manifests = [...index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] !== tag), named];
  await writeFileAtomic(path.join(opts.dir, "index.json"), JSON.stringify(index));
  return manifestDesc;
}

export interface ImportCacheOptions {
  /** An OCI layout written by exportCache. */
  dir: string;
  store: CacheStore;
  /** Put a layer into the content store (its digest is checked against the layout's manifest). */
  putBlob: (layer: Descriptor, data: AsyncIterable<Uint8Array>) => Promise<void>;
  tag?: string;
}

/**
 * Load exported records into `store`. Imported records have a layer but no snapshot: on a hit the
 * builder applies the layer to make one (named by chainID). Keys already present locally are kept.
 */
export async function importCache(opts: ImportCacheOptions): Promise<CacheRecord[]> {
  const layout = new OciLayoutDir(opts.dir);
  const tag = opts.tag ?? "cache";
  const desc = (await readIndex(opts.dir)).manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!desc) throw new StrataError("NOT_FOUND", `cache ${tag}: not found in ${opts.dir}`);
  const manifest = await layout.readJSON<Manifest>(desc);
  checkCacheManifest(manifest, `${opts.dir} ${tag}`);
  const config = await layout.readJSON<CacheConfig>(manifest.config);
  return saveCacheRecords({
    manifest,
    config,
    store: opts.store,
    useLayer: (layer) => opts.putBlob(layer, createReadStream(layout.blobPath(layer.digest))),
  });
}

async function readIndex(dir: string): Promise<Index> {
  try {
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as Index;
    return { ...index, manifests: index.manifests ?? [] };
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    throw e;
  }
}
