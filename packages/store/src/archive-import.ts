import { MediaType, StrataError, sha256, type Descriptor, type Digest, type ImageConfig } from "@strata/core";
import type { ScannedLayer } from "./archive-scan.js";
import { writeManifest } from "./image.js";
import { IndexImageStore } from "./image-store.js";
import type { Store } from "./store.js";

export interface LoadedImage {
  name?: string;
  manifestDesc: Descriptor;
  configDigest: Digest;
}

/**
 * Store one imported image: check each layer's diffID against the config's rootfs.diff_ids,
 * keep the config bytes unchanged (the image ID must not change), write a manifest over the
 * uncompressed layers and record the tags (or the untagged image).
 */
export async function importImage(
  store: Store,
  what: string,
  configBytes: Buffer,
  layers: ScannedLayer[],
  names: string[],
): Promise<LoadedImage[]> {
  const configDigest = sha256(configBytes);
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString("utf8")) as ImageConfig;
  } catch (e) {
    throw new StrataError("INVALID_ARGUMENT", `${what}: config ${configDigest}: not valid JSON`, { cause: e });
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) {
    throw new StrataError(
      "DIGEST_MISMATCH",
      `${what}: config ${configDigest} lists ${diffIds.length} layers (rootfs.diff_ids) but the image has ${layers.length}`,
    );
  }
  layers.forEach((l, i) => {
    if (l.diff.digest !== diffIds[i]) {
      throw new StrataError(
        "DIGEST_MISMATCH",
        `${what}: layer ${i + 1}: diffID mismatch: config says ${diffIds[i]}, the uncompressed layer is ${l.diff.digest}`,
      );
    }
  });
  const cfg = await store.content.put(configBytes, configDigest);
  const { manifest } = await writeManifest(
    store,
    { mediaType: MediaType.ociConfig, ...cfg },
    layers.map((l) => ({ mediaType: MediaType.ociLayer, digest: l.diff.digest, size: l.diff.size })),
  );
  const images = new IndexImageStore(store.root);
  if (names.length === 0) {
    await images.putUntagged(manifest);
    return [{ manifestDesc: manifest, configDigest }];
  }
  const out: LoadedImage[] = [];
  for (const name of names) {
    await images.put(name, manifest);
    out.push({ name: (await images.get(name)).name, manifestDesc: manifest, configDigest });
  }
  return out;
}

/** The digest a path like "blobs/sha256/<hex>" or "<hex>.json" promises, if any. */
export function digestFromPath(p: string): Digest | undefined {
  const m = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(p) ?? /^([a-f0-9]{64})\.json$/.exec(p);
  return m ? `sha256:${m[1]}` : undefined;
}

/** Refuse a file whose content does not hash to the digest its path or descriptor promises. */
export function checkDigest(what: string, bytes: Buffer, expected: Digest | undefined): void {
  if (expected === undefined) return;
  const got = sha256(bytes);
  if (got !== expected) throw new StrataError("DIGEST_MISMATCH", `${what}: digest mismatch: expected ${expected}, got ${got}`);
}
