import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Descriptor, ImageConfig, Index, Manifest } from "@strata/core";
import { indexTar, resolveMember, type IndexedMember } from "../tar/tar-index.js";

/** An image inside an archive file: its config and its layers, bottom first. */
export interface ArchivedImage {
  format: "docker-archive" | "oci-archive";
  config: ImageConfig;
  /** Open each layer as an uncompressed tar stream. */
  layers: Array<{ name: string; open: () => Promise<Readable> }>;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const blobPath = (d: Descriptor) => `blobs/${d.digest.replace(":", "/")}`;

/** Read a docker-archive (`docker save`, both layouts) or an OCI image layout tar. */
export async function readImageArchive(tarFile: string): Promise<ArchivedImage> {
  const index = await indexTar(tarFile);
  const member = (name: string): IndexedMember => {
    const m = resolveMember(index, name);
    if (!m) throw new Error(`${tarFile}: archive has no member ${name}`);
    return m;
  };
  const readJSON = async <T>(name: string): Promise<T> => JSON.parse((await readMember(tarFile, member(name))).toString("utf8")) as T;
  const layer = (name: string) => ({ name, open: () => openLayer(tarFile, member(name)) });

  if (index.has("manifest.json")) {
    const manifest = await readJSON<DockerManifestEntry[]>("manifest.json");
    if (manifest.length !== 1) throw new Error(`${tarFile}: expected one image in manifest.json, found ${manifest.length}`);
    const m = manifest[0]!;
    return { format: "docker-archive", config: await readJSON<ImageConfig>(m.Config), layers: m.Layers.map(layer) };
  }
  if (index.has("index.json")) {
    let desc: Descriptor | undefined = (await readJSON<Index>("index.json")).manifests[0];
    for (let depth = 0; desc && /index|manifest\.list/.test(desc.mediaType) && depth < 4; depth++) {
      desc = (await readJSON<Index>(blobPath(desc))).manifests[0];
    }
    if (!desc) throw new Error(`${tarFile}: OCI index lists no manifest`);
    const m = await readJSON<Manifest>(blobPath(desc));
    return {
      format: "oci-archive",
      config: await readJSON<ImageConfig>(blobPath(m.config)),
      layers: m.layers.map((l) => layer(blobPath(l))),
    };
  }
  throw new Error(`${tarFile}: neither manifest.json (docker-archive) nor index.json (OCI layout) found`);
}

async function readMember(tarFile: string, m: IndexedMember): Promise<Buffer> {
  const fh = await open(tarFile, "r");
  try {
    const buf = Buffer.alloc(m.size);
    await fh.read(buf, 0, m.size, m.offset);
    return buf;
  } finally {
    await fh.close();
  }
}

/** A layer member as an uncompressed tar stream (gzip detected by magic bytes). */
async function openLayer(tarFile: string, m: IndexedMember): Promise<Readable> {
  if (m.size < 4) return Readable.from([]);
  const head = await readMember(tarFile, { ...m, size: 4 });
  if (head.readUInt32LE(0) === 0xfd2fb528) throw new Error(`${tarFile}: ${m.name} is zstd-compressed, which Node 20 cannot decompress`);
  const raw = createReadStream(tarFile, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
  if (head[0] !== 0x1f || head[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on("error", (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}
