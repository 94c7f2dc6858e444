import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { MediaType, StrataError, errnoCode, isDigest, writeFileAtomic, type Descriptor, type Digest, type Index, type Manifest } from "@strata/core";
import type { CacheRecord, CacheStore } from "./cache-store.js";
import { OciLayoutDir, type BlobData } from "./oci-layout-dir.js";
import { keyOf, type KeyPreimage } from "./step-key.js";

export const CACHE_ARTIFACT_TYPE = "application/vnd.strata.cache.v1";
export const CACHE_CONFIG_MEDIA_TYPE = "application/vnd.strata.cache.config.v1+json";

/** The cache manifest's config blob: records point at layers by index into `manifest.layers`. */
interface CacheConfig {
  records: { key: Digest; layer?: number; diffId?: Digest; config?: unknown; created: string }[];
  preimages?: Record<string, KeyPreimage>;
}

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
  const records = opts.records ?? (await opts.store.list());
  const layers: Descriptor[] = [];
  const layerIndex = new Map<Digest, number>();
  const config: CacheConfig = { records: [] };
  for (const r of records) {
    let index: number | undefined;
    if (r.layer) {
      index = layerIndex.get(r.layer.digest);
      if (index === undefined) {
        const desc: Descriptor = { mediaType: r.layer.mediaType, digest: r.layer.digest, size: r.layer.size };
        await layout.putBlob(desc, await opts.getBlob(desc));
        index = layers.push(desc) - 1;
        layerIndex.set(desc.digest, index);
      }
    }
    config.records.push({ key: r.key, layer: index, diffId: r.diffId, config: r.config, created: r.created });
    if (opts.preimages !== false) {
      const pre = await opts.store.preimage(r.key);
      if (pre) (config.preimages ??= {})[r.key] = pre;
    }
  }
  const configDesc = await layout.putJSON(CACHE_CONFIG_MEDIA_TYPE, config);
  const manifest: Manifest & { artifactType: string } = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: CACHE_ARTIFACT_TYPE,
    config: configDesc,
    layers,
  };
  const manifestDesc = await layout.putJSON(MediaType.ociManifest, manifest);
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
  if (manifest.config.mediaType !== CACHE_CONFIG_MEDIA_TYPE) {
    throw new StrataError("INVALID_ARGUMENT", `${opts.dir} ${tag}: not a strata cache (config ${manifest.config.mediaType})`);
  }
  const config = await layout.readJSON<CacheConfig>(manifest.config);
  const imported: CacheRecord[] = [];
  const copied = new Set<Digest>();
  for (const r of config.records) {
    if (!isDigest(r.key) || (await opts.store.lookup(r.key))) continue;
    const layer = r.layer === undefined ? undefined : manifest.layers[r.layer];
    if (r.layer !== undefined && !layer) throw new StrataError("INVALID_ARGUMENT", `cache record ${r.key}: no layer ${r.layer}`);
    if (layer && !copied.has(layer.digest)) {
      await opts.putBlob(layer, createReadStream(layout.blobPath(layer.digest)));
      copied.add(layer.digest);
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

async function readIndex(dir: string): Promise<Index> {
  try {
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as Index;
    return { ...index, manifests: index.manifests ?? [] };
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    throw e;
  }
}
