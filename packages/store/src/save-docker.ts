import { REF_NAME_ANNOTATION, familiarName, familiarRepository, hexOf, parseReference, type Digest, type Index, MediaType } from "@strata/core";
import { blobArchivePath, OCI_LAYOUT_JSON } from "./layout.js";
import type { ExportImage } from "./save-archive.js";
import type { Store } from "./store.js";
import type { TarWriter } from "./tar-write.js";

/**
 * Docker 25's `docker save` layout, which is also an OCI image layout: blobs/sha256/<hex>
 * (config, uncompressed layers, manifests), index.json, oci-layout, plus manifest.json and
 * repositories for `docker load` of Docker ≤ 24.
 */
export async function writeDockerArchive(store: Store, images: ExportImage[], tar: TarWriter): Promise<void> {
  const written = new Set<Digest>();
  const blob = async (digest: Digest, size: number) => {
    if (written.has(digest)) return;
    written.add(digest);
    await tar.addStream(blobArchivePath(digest), size, store.content.read(digest));
  };
  await tar.addDir("blobs");
  await tar.addDir("blobs/sha256");
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  const manifestJson: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    for (const l of img.manifest.layers) await blob(l.digest, l.size);
    await blob(img.manifest.config.digest, img.manifest.config.size);
    await blob(img.manifestDesc.digest, img.manifestDesc.size);
    const desc = { mediaType: img.manifestDesc.mediaType, digest: img.manifestDesc.digest, size: img.manifestDesc.size };
    if (img.names.length === 0) index.manifests.push(desc);
    for (const name of img.names) {
      const ref = parseReference(name);
      index.manifests.push({ ...desc, annotations: { "io.containerd.image.name": name, [REF_NAME_ANNOTATION]: ref.tag ?? "latest" } });
      const top = img.manifest.layers.at(-1);
      if (top && ref.tag) (repositories[familiarRepository(ref.repository)] ??= {})[ref.tag] = hexOf(top.digest);
    }
    manifestJson.push({
      Config: blobArchivePath(img.manifest.config.digest),
      RepoTags: img.names.length > 0 ? img.names.map((n) => familiarName(n)) : null,
      Layers: img.manifest.layers.map((l) => blobArchivePath(l.digest)),
    });
  }
  await tar.addFile("index.json", JSON.stringify(index));
  await tar.addFile("manifest.json", JSON.stringify(manifestJson));
  await tar.addFile("oci-layout", OCI_LAYOUT_JSON);
  if (Object.keys(repositories).length > 0) await tar.addFile("repositories", JSON.stringify(repositories));
}
