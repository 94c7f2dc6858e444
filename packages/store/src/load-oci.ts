import { MediaType, REF_NAME_ANNOTATION, StrataError, hostPlatform, type Descriptor, type Index, type Manifest } from "@strata/core";
import { blobArchivePath } from "./layout.js";
import { fileAt, layerAt, type ArchiveScan } from "./archive-scan.js";
import { checkDigest, importImage, type LoadedImage } from "./archive-import.js";
import type { Store } from "./store.js";

const CONTAINERD_NAME = "io.containerd.image.name";
const INDEX_TYPES = new Set<string>([MediaType.ociIndex, MediaType.dockerManifestList]);

/** Import an OCI image layout: index.json → (index →) manifest → config + layers (any compression). */
export async function loadOciLayout(store: Store, scan: ArchiveScan): Promise<LoadedImage[]> {
  const index = parse<Index>(scan, "index.json", fileAt(scan, "index.json"));
  const out: LoadedImage[] = [];
  for (const desc of index.manifests ?? []) {
    const manifestDesc = pickManifest(scan, desc);
    const what = `archive ${scan.file}: manifest ${manifestDesc.digest}`;
    const manifest = parse<Manifest>(scan, what, blob(scan, manifestDesc));
    const configBytes = blob(scan, manifest.config);
    const layers = [];
    for (const l of manifest.layers ?? []) {
      const layer = await layerAt(store, scan, blobArchivePath(l.digest));
      if (layer.raw.digest !== l.digest || layer.raw.size !== l.size) {
        throw new StrataError("DIGEST_MISMATCH", `${what}: layer ${l.digest}: content is ${layer.raw.digest} (${layer.raw.size} bytes)`);
      }
      layers.push(layer);
    }
    out.push(...(await importImage(store, what, configBytes, layers, namesOf(desc))));
  }
  return out;
}

/** Tag from containerd's full-name annotation, else ref.name when it is a reference (not a bare tag). */
function namesOf(desc: Descriptor): string[] {
  const full = desc.annotations?.[CONTAINERD_NAME];
  if (full) return [full];
  const ref = desc.annotations?.[REF_NAME_ANNOTATION];
  return ref && /[:/]/.test(ref) ? [ref] : [];
}

/** Follow nested indexes down to one manifest, preferring the host platform. */
function pickManifest(scan: ArchiveScan, desc: Descriptor, depth = 0): Descriptor {
  if (!INDEX_TYPES.has(desc.mediaType)) return desc;
  if (depth > 4) throw new StrataError("INVALID_ARGUMENT", `archive ${scan.file}: indexes nested too deeply`);
  const idx = parse<Index>(scan, `index ${desc.digest}`, blob(scan, desc));
  const host = hostPlatform();
  const candidates = (idx.manifests ?? []).filter((m) => m.platform?.architecture !== "unknown");
  const chosen =
    candidates.find((m) => m.platform?.os === host.os && m.platform?.architecture === host.architecture) ?? candidates[0];
  if (!chosen) throw new StrataError("NOT_FOUND", `archive ${scan.file}: index ${desc.digest} lists no manifests`);
  return pickManifest(scan, chosen, depth + 1);
}

function blob(scan: ArchiveScan, desc: Descriptor): Buffer {
  const bytes = fileAt(scan, blobArchivePath(desc.digest));
  checkDigest(`archive ${scan.file}: blob ${desc.digest}`, bytes, desc.digest);
  return bytes;
}

function parse<T>(scan: ArchiveScan, what: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (e) {
    throw new StrataError("INVALID_ARGUMENT", `archive ${scan.file}: ${what}: not valid JSON`, { cause: e });
  }
}
