import { rename, rm } from "node:fs/promises";
import { StrataError, type Descriptor, type Digest, type ImageConfig, type Manifest } from "@strata/core";
import type { Compression } from "./compression.js";
import { fsError } from "./fs-errors.js";
import { readImage } from "./image.js";
import { writeDockerArchive } from "./save-docker.js";
import { writeOciArchive } from "./save-oci.js";
import type { Store } from "./store.js";
import { TarWriter } from "./tar-write.js";

export interface SaveOptions {
  format: "docker" | "oci";
  /** Layer compression for the OCI format (default gzip); docker archives keep layers uncompressed. */
  compression?: Compression;
}

/** One image to export with every name it was asked for (full normalised form). */
export interface ExportImage {
  manifestDesc: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
  configDigest: Digest;
  names: string[];
}

/** Export images (tags, IDs or ID prefixes) to a tar at `out`, written to `out.tmp` and renamed. */
export async function saveArchive(store: Store, images: string[], out: string, opts: SaveOptions): Promise<void> {
  if (images.length === 0) throw new StrataError("INVALID_ARGUMENT", "save: no images given");
  const selected = await selectImages(store, images);
  const tmp = `${out}.tmp`;
  let tar: TarWriter;
  try {
    tar = await TarWriter.create(tmp);
  } catch (e) {
    throw fsError(e, `archive ${out}`);
  }
  try {
    if (opts.format === "docker") await writeDockerArchive(store, selected, tar);
    else if (opts.format === "oci") await writeOciArchive(store, selected, tar, opts.compression ?? "gzip");
    else throw new StrataError("INVALID_ARGUMENT", `save: unknown format ${String(opts.format)}`);
    await tar.finish();
    await rename(tmp, out);
  } catch (e) {
    await tar.abort();
    await rm(tmp, { force: true });
    throw fsError(e, `archive ${out}`);
  }
}

async function selectImages(store: Store, queries: string[]): Promise<ExportImage[]> {
  const byManifest = new Map<Digest, ExportImage>();
  for (const q of queries) {
    const r = await readImage(store, q);
    const img = byManifest.get(r.manifestDesc.digest) ?? { ...r, names: [] };
    if (r.name && !img.names.includes(r.name)) img.names.push(r.name);
    byManifest.set(r.manifestDesc.digest, img);
  }
  return [...byManifest.values()];
}
