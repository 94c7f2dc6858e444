import { StrataError } from "@strata/core";
import { fileAt, jsonAt, layerAt, resolveArchivePath, type ArchiveScan } from "./archive-scan.js";
import { checkDigest, digestFromPath, importImage, type LoadedImage } from "./archive-import.js";
import type { Store } from "./store.js";

interface DockerManifestItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Import what `docker save` writes: manifest.json listing config and layer paths per image. */
export async function loadDockerArchive(store: Store, scan: ArchiveScan): Promise<LoadedImage[]> {
  const items = jsonAt<DockerManifestItem[]>(scan, "manifest.json");
  if (!Array.isArray(items)) throw new StrataError("INVALID_ARGUMENT", `archive ${scan.file}: manifest.json is not a list`);
  const out: LoadedImage[] = [];
  for (const [i, item] of items.entries()) {
    const what = `archive ${scan.file}: manifest.json[${i}]`;
    if (typeof item?.Config !== "string" || !Array.isArray(item.Layers)) {
      throw new StrataError("INVALID_ARGUMENT", `${what}: needs Config and Layers`);
    }
    const configBytes = fileAt(scan, item.Config);
    checkDigest(`${what}: config ${item.Config}`, configBytes, digestFromPath(resolveArchivePath(scan, item.Config)));
    const layers = [];
    for (const p of item.Layers) {
      const layer = await layerAt(store, scan, p);
      const promised = digestFromPath(resolveArchivePath(scan, p));
      if (promised && promised !== layer.raw.digest) {
        throw new StrataError("DIGEST_MISMATCH", `${what}: layer ${p}: digest mismatch: got ${layer.raw.digest}`);
      }
      layers.push(layer);
    }
    out.push(...(await importImage(store, what, configBytes, layers, item.RepoTags ?? [])));
  }
  return out;
}
