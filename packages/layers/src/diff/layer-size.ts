import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic, type Descriptor } from "@strata/core";
import type { LayerContentStore } from "./content.js";
import { decompressed } from "./decompress.js";
import { readTar } from "./tar-reader.js";
import { TarType } from "./tar-header.js";

/**
 * A layer's size as Docker reports it for images and history (the graph driver's DiffSize):
 * the bytes of its regular files plus its symlinks' target lengths, each hardlinked file once.
 * Read from the blob the first time, then kept under `cacheDir` (one small file per layer,
 * named by digest; losing one only means reading the blob again).
 */
export async function layerDiffSize(content: LayerContentStore, layer: Descriptor, cacheDir: string): Promise<number> {
  const file = path.join(cacheDir, layer.digest.replace(/^sha256:/, ""));
  const cached = await readFile(file, "utf8").then(Number, () => NaN);
  if (Number.isSafeInteger(cached)) return cached;
  let size = 0;
  for await (const entry of readTar(decompressed(content.read(layer.digest)))) {
    if (entry.type === TarType.file) size += entry.size;
    else if (entry.type === TarType.symlink) size += Buffer.byteLength(entry.linkname);
  }
  await mkdir(cacheDir, { recursive: true });
  await writeFileAtomic(file, String(size), { durable: false });
  return size;
}
