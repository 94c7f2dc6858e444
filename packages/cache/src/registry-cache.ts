import { MediaType, StrataError, canonicalJSON, formatReference, isDigest, parseReference, sha256, type Descriptor, type Manifest } from "@strata/core";
import type { Store } from "@strata/store";
import type { registry } from "./registry-types.js";
import { CACHE_CONFIG_MEDIA_TYPE, cacheDocument, cacheManifest, checkCacheManifest, saveCacheRecords, type CacheConfig } from "./cache-manifest.js";
import type { CacheRecord, CacheStore } from "./cache-store.js";

export interface RegistryCacheOptions {
  /** HOST/REPO:TAG of the cache. */
  ref: string;
  cache: CacheStore;
  /** The content store the layers are in (and go to). */
  content: Store;
  client: registry.RegistryClient;
}

/**
 * `--cache-to type=registry,ref=…`: the records' layers, compressed (pigz/zstd, digests
 * remembered so an unchanged layer keeps its digest), pushed to the cache repository — HEAD
 * first, mounted from any repository of the same registry that has them (an image just pushed,
 * an imported cache) — then the cache config and one OCI image manifest with an artifactType at
 * `ref`: a plain artifact, which ECR, GCR, Quay, Harbor and distribution all accept.
 */
export async function exportCacheToRegistry(
  opts: RegistryCacheOptions & { records: CacheRecord[]; compression?: registry.PushCompression; preimages?: boolean },
): Promise<{ digest: string; layers: number }> {
  const ref = parseReference(opts.ref);
  if (!ref.tag || ref.digest) throw new StrataError("INVALID_ARGUMENT", `cache ref ${opts.ref}: needs a tag`);
  const { BlobPusher, mapLimited } = await import("@strata/store/registry");
  const repo = opts.client.repository(ref.repository);
  const pusher = new BlobPusher(opts.content, opts.client, repo, { compression: opts.compression });
  const { config, layers } = await cacheDocument({
    records: opts.records,
    store: opts.cache,
    preimages: opts.preimages,
    putLayers: (list) => mapLimited(list, 3, (layer) => pusher.pushLayer(layer, layer.digest.slice(7, 19))),
  });
  const configBytes = Buffer.from(canonicalJSON(config));
  const configDesc = await pusher.pushBytes(configBytes, CACHE_CONFIG_MEDIA_TYPE);
  const bytes = Buffer.from(canonicalJSON(cacheManifest(configDesc, layers)));
  const digest = await repo.putManifest(ref.tag, bytes, MediaType.ociManifest);
  return { digest, layers: layers.length };
}

/**
 * `--cache-from type=registry,ref=…`: reads the cache manifest and config (small), saves the
 * records, and remembers that the cache repository holds their layers. No layer is
 * downloaded here: a hit that is only pushed onward is mounted from the cache repository, and
 * a layer a step needs is fetched then (see the builder's materialize).
 */
export async function importCacheFromRegistry(opts: RegistryCacheOptions): Promise<CacheRecord[]> {
  const ref = parseReference(opts.ref);
  const name = formatReference(ref);
  const { RegistryState, splitRepository } = await import("@strata/store/registry");
  const repo = opts.client.repository(ref.repository);
  const fetched = await repo.getManifest(ref.digest ?? ref.tag!, [MediaType.ociManifest]);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fetched.bytes.toString("utf8")) as Manifest;
  } catch {
    throw new StrataError("INVALID_ARGUMENT", `${name}: malformed cache manifest`);
  }
  checkCacheManifest(manifest, name);
  if (!isDigest(manifest.config.digest) || !Array.isArray(manifest.layers)) throw new StrataError("INVALID_ARGUMENT", `${name}: malformed cache manifest`);
  const configBytes = await fetchSmallBlob(repo, manifest.config, name);
  let config: CacheConfig;
  try {
    config = JSON.parse(configBytes.toString("utf8")) as CacheConfig;
  } catch {
    throw new StrataError("INVALID_ARGUMENT", `${name}: malformed cache config`);
  }
  const state = new RegistryState(opts.content.root);
  const where = splitRepository(ref.repository);
  return saveCacheRecords({
    manifest,
    config,
    store: opts.cache,
    useLayer: (layer) => state.addSource(layer.digest, { host: where.host, repository: where.path }),
  });
}

async function fetchSmallBlob(repo: registry.Repository, desc: Descriptor, name: string): Promise<Buffer> {
  if (desc.size > 64 << 20) throw new StrataError("INVALID_ARGUMENT", `${name}: cache config too large`);
  const chunks: Buffer[] = [];
  let n = 0;
  await repo.fetchBlob(desc.digest, {
    get offset() {
      return n;
    },
    async write(c) {
      n += c.length;
      if (n > desc.size) throw new StrataError("DIGEST_MISMATCH", `${name}: cache config larger than its descriptor says`);
      chunks.push(Buffer.from(c));
    },
    async reset() {
      chunks.length = 0;
      n = 0;
    },
  });
  const bytes = Buffer.concat(chunks);
  if (sha256(bytes) !== desc.digest) throw new StrataError("DIGEST_MISMATCH", `${name}: cache config does not match its digest`);
  return bytes;
}

