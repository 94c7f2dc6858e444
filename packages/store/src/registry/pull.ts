import {
  MediaType,
  StrataError,
  formatReference,
  hostPlatform,
  isDigest,
  parseReference,
  type Descriptor,
  type Digest,
  type ImageConfig,
  type Index,
  type Manifest,
  type Platform,
} from "@strata/core";
import type { Store } from "../store.js";
import { splitRepository, type RegistryClient } from "./client.js";
import { fetchBlobToStore } from "./fetch-blob.js";
import { mapLimited } from "./limit.js";
import { noTransferProgress, shortId, type TransferSink } from "./progress.js";
import type { FetchedManifest, Repository } from "./repository.js";
import { RegistryState } from "./state.js";

const INDEX_TYPES = new Set<string>([MediaType.ociIndex, MediaType.dockerManifestList]);
const IMAGE_TYPES = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest]);

/** A remote image resolved to one platform's manifest, its config in the store, layers not fetched. */
export interface RemoteImage {
  /** The full normalised reference asked for. */
  name: string;
  repository: Repository;
  /** What the reference resolved to (an index's digest for a multi-platform image). */
  digest: Digest;
  manifestDesc: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
}

export interface ResolveOptions {
  client: RegistryClient;
  platform?: Platform;
}

/**
 * Resolves a reference on its registry: the manifest (through an index or manifest list, picking
 * the platform), stored in the content store with its config, each verified by digest. Layers
 * are not fetched; the store learns where they can be (registry/sources), so a build can use
 * an image whose layers it never needs, and a push can mount them.
 */
export async function resolveRemoteImage(store: Store, reference: string, opts: ResolveOptions): Promise<RemoteImage> {
  const ref = parseReference(reference);
  const name = formatReference(ref);
  const repo = opts.client.repository(ref.repository);
  const top = await repo.getManifest(ref.digest ?? ref.tag!);
  const fetched = await pickPlatform(repo, top, opts.platform ?? hostPlatform(), name);
  const manifest = parseImageManifest(fetched, name);
  await store.content.put(fetched.bytes, fetched.digest);
  if (!(await store.content.has(manifest.config.digest))) {
    await fetchBlobToStore(store, repo, manifest.config);
  }
  const config = await store.content.readJSON<ImageConfig>(manifest.config.digest);
  // As Docker: an explicit --platform must match a single-platform image's config.
  const want = opts.platform;
  if (want && (config.os !== want.os || config.architecture !== want.architecture || (want.variant && config.variant && config.variant !== want.variant))) {
    const show = (p: { os?: string; architecture?: string; variant?: string }) => [p.os, p.architecture, p.variant].filter(Boolean).join("/");
    throw new StrataError("NOT_FOUND", `image with reference ${name} was found but does not match the specified platform: wanted ${show(want)}, actual: ${show(config)}`);
  }
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) {
    throw new StrataError("INVALID_ARGUMENT", `${name}: image config lists ${Array.isArray(diffIds) ? diffIds.length : "no"} layer diffIDs for ${manifest.layers.length} layers`);
  }
  const state = new RegistryState(store.root);
  const source = splitRepository(ref.repository);
  for (const d of [manifest.config, ...manifest.layers]) await state.addSource(d.digest, { host: source.host, repository: source.path });
  return {
    name,
    repository: repo,
    digest: top.digest,
    manifestDesc: { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length },
    manifest,
    config,
  };
}

export interface PullOptions extends ResolveOptions {
  progress?: TransferSink;
  /** Parallel layer downloads (Docker's default: 3). */
  concurrency?: number;
}

export interface PullResult {
  image: RemoteImage;
  /** True when the tag already named this manifest and every blob was here. */
  upToDate: boolean;
  /** The layers this pull downloaded (the caller reports "Pull complete" once it unpacked them). */
  downloaded: Set<Digest>;
}

/** `pull`: resolve, download the missing layers (verified), then tag. */
export async function pullImage(store: Store, reference: string, opts: PullOptions): Promise<PullResult> {
  const progress = opts.progress ?? noTransferProgress;
  const ref = parseReference(reference);
  progress({ type: "message", text: `${ref.tag ?? ref.digest}: Pulling from ${splitRepository(ref.repository).path}` });
  const image = await resolveRemoteImage(store, reference, opts);
  const missing: Descriptor[] = [];
  const present: Descriptor[] = [];
  const seen = new Set<Digest>();
  for (const l of image.manifest.layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    ((await store.content.has(l.digest)) ? present : missing).push(l);
  }
  const tagged = ref.tag && !ref.digest ? await store.images.get(formatReference(ref)).catch(() => undefined) : undefined;
  const upToDate = missing.length === 0 && tagged?.target.digest === image.manifestDesc.digest;
  // As Docker: an image already here in full prints no layer lines.
  if (!upToDate) {
    for (const l of image.manifest.layers) {
      if (!seen.delete(l.digest)) continue;
      progress({ type: "blob", id: shortId(l.digest), status: present.includes(l) ? "Already exists" : "Pulling fs layer" });
    }
  }
  await mapLimited(
    missing,
    opts.concurrency ?? 3,
    async (l) => {
      const id = shortId(l.digest);
      let last = 0;
      await fetchBlobToStore(store, image.repository, l, (n) => {
        if (n - last >= 512 * 1024 || n === l.size) {
          last = n;
          progress({ type: "blob", id, status: "Downloading", current: n, total: l.size });
        }
      });
      progress({ type: "blob", id, status: "Verifying Checksum" });
      progress({ type: "blob", id, status: "Download complete" });
    },
    (l) => progress({ type: "blob", id: shortId(l.digest), status: "Waiting" }),
  );
  if (ref.tag && !ref.digest) await store.images.put(formatReference(ref), image.manifestDesc);
  else await store.images.putUntagged(image.manifestDesc);
  await new RegistryState(store.root).addRepoDigest(image.manifest.config.digest, ref.repository, image.digest);
  return { image, upToDate, downloaded: new Set(missing.map((l) => l.digest)) };
}

async function pickPlatform(repo: Repository, fetched: FetchedManifest, want: Platform, name: string, depth = 0): Promise<FetchedManifest> {
  if (IMAGE_TYPES.has(fetched.mediaType)) return fetched;
  if (!INDEX_TYPES.has(fetched.mediaType)) {
    throw new StrataError("INVALID_ARGUMENT", `${name}: not an image (manifest type ${fetched.mediaType})`);
  }
  if (depth > 2) throw new StrataError("INVALID_ARGUMENT", `${name}: indexes nested too deeply`);
  const index = parseJSON<Index>(fetched.bytes, name);
  if (!Array.isArray(index.manifests)) throw new StrataError("INVALID_ARGUMENT", `${name}: malformed index (no manifests)`);
  const chosen = choosePlatform(index.manifests, want);
  if (!chosen) {
    const p = `${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ""}`;
    throw new StrataError("NOT_FOUND", `${name}: no matching manifest for ${p} in the manifest list entries`);
  }
  if (!isDigest(chosen.digest)) throw new StrataError("INVALID_ARGUMENT", `${name}: malformed index entry digest ${String(chosen.digest)}`);
  return pickPlatform(repo, await repo.getManifest(chosen.digest), want, name, depth + 1);
}

/** The index entry for a platform: os and architecture must match; a variant, when asked, too. */
export function choosePlatform(entries: Descriptor[], want: Platform): Descriptor | undefined {
  const images = entries.filter((m) => m.platform?.architecture !== "unknown" && (!m.mediaType || IMAGE_TYPES.has(m.mediaType) || INDEX_TYPES.has(m.mediaType)));
  const same = images.filter((m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture);
  if (want.variant) return same.find((m) => m.platform?.variant === want.variant) ?? (want.architecture === "arm64" ? same.find((m) => !m.platform?.variant) : undefined);
  return same.find((m) => !m.platform?.variant || defaultVariant(want.architecture) === m.platform.variant) ?? same[0];
}

const defaultVariant = (arch: string) => ({ arm64: "v8", arm: "v7" })[arch];

function parseImageManifest(fetched: FetchedManifest, name: string): Manifest {
  const m = parseJSON<Manifest>(fetched.bytes, name);
  const okDesc = (d: unknown): d is Descriptor =>
    typeof d === "object" && d !== null && typeof (d as Descriptor).digest === "string" && isDigest((d as Descriptor).digest) && Number.isSafeInteger((d as Descriptor).size) && (d as Descriptor).size >= 0;
  if (!okDesc(m.config) || !Array.isArray(m.layers) || !m.layers.every(okDesc)) {
    throw new StrataError("INVALID_ARGUMENT", `${name}: malformed manifest ${fetched.digest} (config or layers missing or invalid)`);
  }
  return m;
}

function parseJSON<T>(bytes: Buffer, name: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    throw new StrataError("INVALID_ARGUMENT", `${name}: malformed manifest (not JSON)`);
  }
}
