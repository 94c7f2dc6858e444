import {
  MediaType,
  REF_NAME_ANNOTATION,
  StrataError,
  chainIds,
  familiarName,
  hostPlatform,
  normalizeReference,
  sha256,
  type Descriptor,
  type Digest,
  type ImageConfig,
  type Index,
  type Manifest,
} from "@strata/core";
import { indexLayerStream } from "../layer/read-layer.js";
import type { ImageLayer, ImageSource, LayerReader, Transport } from "./image-source.js";
import type { LayoutFiles } from "./layout-files.js";
import { stepsOf } from "./steps.js";

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const blobPath = (digest: string) => `blobs/${digest.replace(":", "/")}`;
const INDEX_TYPES = new Set<string>([MediaType.ociIndex, MediaType.dockerManifestList]);

function parseJSON<T>(files: LayoutFiles, p: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    throw new StrataError("INVALID_ARGUMENT", `${files.what}: ${p}: not valid JSON`);
  }
}

function verified(files: LayoutFiles, p: string, expected: Digest | undefined): Buffer {
  const bytes = files.read(p);
  if (expected !== undefined) {
    const got = sha256(bytes);
    if (got !== expected) throw new StrataError("DIGEST_MISMATCH", `${files.what}: ${p}: digest mismatch: expected ${expected}, the content is ${got}`);
  }
  return bytes;
}

/** The digest a docker-archive path promises ("<hex>.json", "blobs/sha256/<hex>"). */
function promisedDigest(p: string): Digest | undefined {
  const m = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(p) ?? /(?:^|\/)([a-f0-9]{64})\.json$/.exec(p);
  return m ? `sha256:${m[1]}` : undefined;
}

/** A `docker save` archive (either layout); `ref` picks one image by tag, or `@N` by position. */
export function dockerArchiveImage(files: LayoutFiles, ref: string | undefined, spec: string, reader: LayerReader): ImageSource {
  if (!files.has("manifest.json")) throw new StrataError("INVALID_ARGUMENT", `${files.what}: not a docker-archive (no manifest.json)`);
  const list = parseJSON<DockerManifestEntry[]>(files, "manifest.json", files.read("manifest.json"));
  if (!Array.isArray(list) || list.length === 0) throw new StrataError("INVALID_ARGUMENT", `${files.what}: manifest.json lists no image`);
  let entry: DockerManifestEntry | undefined;
  if (ref?.startsWith("@")) entry = list[Number(ref.slice(1))];
  else if (ref) entry = list.find((e) => (e.RepoTags ?? []).some((t) => sameName(t, ref)));
  else if (list.length === 1) entry = list[0];
  else {
    const names = list.map((e, i) => e.RepoTags?.[0] ?? `@${i}`).join(", ");
    throw new StrataError("INVALID_ARGUMENT", `${files.what}: holds ${list.length} images (${names}); name one as docker-archive:FILE:NAME`);
  }
  if (!entry) throw new StrataError("NOT_FOUND", `${files.what}: no image ${ref} in the archive`);
  if (typeof entry.Config !== "string" || !Array.isArray(entry.Layers)) throw new StrataError("INVALID_ARGUMENT", `${files.what}: manifest.json: malformed entry`);
  const configBytes = verified(files, entry.Config, promisedDigest(entry.Config));
  const config = parseJSON<ImageConfig>(files, entry.Config, configBytes);
  const diffIds = configDiffIds(files, config, entry.Layers.length);
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = entry.Layers.map((p, i) => ({
    digest: promisedDigest(p) ?? diffIds[i]!,
    size: files.size(p),
    mediaType: MediaType.dockerLayer,
    diffId: diffIds[i]!,
    chainId: chains[i]!,
  }));
  const paths = entry.Layers;
  return archiveSource({
    spec,
    transport: "docker-archive",
    name: entry.RepoTags?.[0] ? familiarName(entry.RepoTags[0]) : undefined,
    id: sha256(configBytes),
    config,
    layers,
    files,
    reader,
    open: (i) => ({ path: paths[i]!, digest: promisedDigest(paths[i]!) }),
  });
}

/** An OCI image layout (a directory, or a tar of one); `ref` picks a manifest by its ref.name annotation. */
export function ociLayoutImage(files: LayoutFiles, ref: string | undefined, spec: string, transport: Transport, reader: LayerReader): ImageSource {
  if (!files.has("index.json")) throw new StrataError("INVALID_ARGUMENT", `${files.what}: not an OCI layout (no index.json)`);
  const index = parseJSON<Index>(files, "index.json", files.read("index.json"));
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  let desc: Descriptor | undefined;
  const nameOf = (d: Descriptor) => d.annotations?.[REF_NAME_ANNOTATION];
  if (ref) desc = manifests.find((d) => nameOf(d) === ref || (nameOf(d) !== undefined && sameName(nameOf(d)!, ref)));
  else if (manifests.length === 1) desc = manifests[0];
  else if (manifests.length === 0) throw new StrataError("INVALID_ARGUMENT", `${files.what}: index.json lists no image`);
  else {
    const names = manifests.map((d, i) => nameOf(d) ?? `#${i}`).join(", ");
    throw new StrataError("INVALID_ARGUMENT", `${files.what}: holds ${manifests.length} images (${names}); name one as ${transport}:PATH:NAME`);
  }
  if (!desc) throw new StrataError("NOT_FOUND", `${files.what}: no image ${ref} in index.json`);
  const name = nameOf(desc);
  desc = pickManifest(files, desc);
  const manifest = parseJSON<Manifest>(files, blobPath(desc.digest), verified(files, blobPath(desc.digest), desc.digest));
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new StrataError("INVALID_ARGUMENT", `${files.what}: manifest ${desc.digest}: not an image manifest`);
  const configBytes = verified(files, blobPath(manifest.config.digest), manifest.config.digest);
  const config = parseJSON<ImageConfig>(files, blobPath(manifest.config.digest), configBytes);
  const diffIds = configDiffIds(files, config, manifest.layers.length);
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffIds[i]!, chainId: chains[i]! }));
  return archiveSource({
    spec,
    transport,
    name,
    id: manifest.config.digest,
    manifestDigest: desc.digest,
    config,
    layers,
    files,
    reader,
    open: (i) => ({ path: blobPath(layers[i]!.digest), digest: layers[i]!.digest, size: layers[i]!.size }),
  });
}

function pickManifest(files: LayoutFiles, desc: Descriptor, depth = 0): Descriptor {
  if (!INDEX_TYPES.has(desc.mediaType)) return desc;
  if (depth > 4) throw new StrataError("INVALID_ARGUMENT", `${files.what}: image indexes nested too deeply`);
  const idx = parseJSON<Index>(files, blobPath(desc.digest), verified(files, blobPath(desc.digest), desc.digest));
  const host = hostPlatform();
  const candidates = (idx.manifests ?? []).filter((m) => m.platform?.architecture !== "unknown");
  const chosen = candidates.find((m) => m.platform?.os === host.os && m.platform?.architecture === host.architecture) ?? candidates[0];
  if (!chosen) throw new StrataError("INVALID_ARGUMENT", `${files.what}: index ${desc.digest} lists no manifests`);
  return pickManifest(files, chosen, depth + 1);
}

function configDiffIds(files: LayoutFiles, config: ImageConfig, layerCount: number): Digest[] {
  const diffIds = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) throw new StrataError("INVALID_ARGUMENT", `${files.what}: the image config has no rootfs.diff_ids`);
  if (diffIds.length !== layerCount) {
    throw new StrataError("DIGEST_MISMATCH", `${files.what}: the config lists ${diffIds.length} layers (rootfs.diff_ids) but the manifest has ${layerCount}`);
  }
  return diffIds;
}

function sameName(a: string, b: string): boolean {
  try {
    return normalizeReference(a) === normalizeReference(b);
  } catch {
    return a === b;
  }
}

function archiveSource(o: Pick<ImageSource, "transport" | "name" | "id" | "manifestDigest" | "config" | "layers"> & {
  spec: string;
  files: LayoutFiles;
  reader: LayerReader;
  open: (i: number) => { path: string; digest?: Digest; size?: number };
}): ImageSource {
  const steps = stepsOf(o.config, o.layers.length, `${o.files.what}`);
  const layerIndex = (i: number) =>
    o.reader.read(o.layers[i]!.diffId, async () => {
      const { path, digest, size } = o.open(i);
      return indexLayerStream(o.files.stream(path), { what: `${o.files.what}: layer ${i + 1} (${path})`, diffId: o.layers[i]!.diffId, digest, size });
    });
  return {
    ref: o.spec,
    transport: o.transport,
    name: o.name,
    id: o.id,
    manifestDigest: o.manifestDigest,
    config: o.config,
    layers: o.layers,
    steps,
    layerIndex,
    layerSize: async (i) => (await layerIndex(i)).diffSize,
    stepImages: async () => steps.map((s, i) => (i === steps.length - 1 ? o.id : undefined)),
    stepKeys: async () => steps.map(() => undefined),
  };
}
