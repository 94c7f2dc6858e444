import { MediaType, REF_NAME_ANNOTATION, canonicalJSON, sha256, type Descriptor, type Digest, type Index, type Manifest } from "@strata/core";
import { compressFile, type Compression } from "./compression.js";
import { blobArchivePath, OCI_LAYOUT_JSON } from "./layout.js";
import type { ExportImage } from "./save-archive.js";
import type { Store } from "./store.js";
import type { TarWriter } from "./tar-write.js";

const LAYER_TYPE: Record<Compression, string> = {
  gzip: MediaType.ociLayerGzip,
  zstd: MediaType.ociLayerZstd,
  none: MediaType.ociLayer,
};

/**
 * An OCI image layout with layers compressed as they are written (pigz / zstd -T0 on all cores),
 * new manifests pointing at the compressed blobs, the same config bytes, and index.json entries
 * named by the full reference in org.opencontainers.image.ref.name.
 */
export async function writeOciArchive(store: Store, images: ExportImage[], tar: TarWriter, compression: Compression): Promise<void> {
  const layers = new Map<Digest, Descriptor>(); // diffID → exported layer
  const written = new Set<Digest>();
  await tar.addDir("blobs");
  await tar.addDir("blobs/sha256");
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  for (const img of images) {
    const exported: Descriptor[] = [];
    for (const l of img.manifest.layers) {
      let d = layers.get(l.digest);
      if (!d) {
        d = await exportLayer(store, tar, l, compression, written);
        layers.set(l.digest, d);
      }
      exported.push(d);
    }
    if (!written.has(img.configDigest)) {
      written.add(img.configDigest);
      await tar.addStream(blobArchivePath(img.configDigest), img.manifest.config.size, store.content.read(img.configDigest));
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: img.manifest.config, layers: exported };
    const bytes = Buffer.from(canonicalJSON(manifest));
    const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256(bytes), size: bytes.length };
    if (!written.has(desc.digest)) {
      written.add(desc.digest);
      await tar.addFile(blobArchivePath(desc.digest), bytes);
    }
    const platform = { architecture: img.config.architecture, os: img.config.os, ...(img.config.variant ? { variant: img.config.variant } : {}) };
    if (img.names.length === 0) index.manifests.push({ ...desc, platform });
    for (const name of img.names) {
      index.manifests.push({ ...desc, platform, annotations: { [REF_NAME_ANNOTATION]: name, "io.containerd.image.name": name } });
    }
  }
  await tar.addFile("oci-layout", OCI_LAYOUT_JSON);
  await tar.addFile("index.json", JSON.stringify(index));
}

async function exportLayer(
  store: Store,
  tar: TarWriter,
  layer: Descriptor,
  compression: Compression,
  written: Set<Digest>,
): Promise<Descriptor> {
  if (compression === "none") {
    if (!written.has(layer.digest)) {
      written.add(layer.digest);
      await tar.addStream(blobArchivePath(layer.digest), layer.size, store.content.read(layer.digest));
    }
    return { mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size };
  }
  const what = `layer ${layer.digest}`;
  const info = await tar.addHashed(blobArchivePath, compressFile(compression, store.content.blobPath(layer.digest), what));
  written.add(info.digest);
  return { mediaType: LAYER_TYPE[compression], ...info };
}
