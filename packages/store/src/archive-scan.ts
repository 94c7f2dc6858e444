import path from "node:path";
import type { ReadEntry } from "tar";
import { Hasher, StrataError, type Digest } from "@strata/core";
import { decompress, sniff, type Compression } from "./compression.js";
import type { Store } from "./store.js";
import { entryPath, readEntryBytes, tarEntries } from "./tar-read.js";

/** A file of the archive that was streamed into the content store as an uncompressed tar. */
export interface ScannedLayer {
  /** Digest and size of the bytes as stored in the archive (possibly compressed). */
  raw: { digest: Digest; size: number };
  compression: Compression;
  /** Digest and size of the uncompressed tar: the diffID, and the blob now in the store. */
  diff: { digest: Digest; size: number };
}

/** What one pass over an archive found: small files in memory, everything tar-like in the store. */
export interface ArchiveScan {
  file: string;
  files: Map<string, Buffer>;
  layers: Map<string, ScannedLayer>;
  /** Symlinks and hard links: path → target path (archive-relative). */
  links: Map<string, string>;
}

/** Entries this small that do not look like tar data are metadata (JSON, VERSION) kept in memory. */
const SMALL_FILE_LIMIT = 32 << 20;
const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

/**
 * One streaming pass over an archive: every tar-like entry (plain, gzip or zstd) is decompressed
 * and ingested while its raw and uncompressed digests are computed, so a layer is read once.
 */
export async function scanArchive(store: Store, file: string): Promise<ArchiveScan> {
  const scan: ArchiveScan = { file, files: new Map(), layers: new Map(), links: new Map() };
  for await (const entry of tarEntries(file)) {
    const p = entryPath(entry.path);
    if (entry.type === "SymbolicLink" && entry.linkpath) {
      scan.links.set(p, path.posix.join(path.posix.dirname(p), entry.linkpath));
    } else if (entry.type === "Link" && entry.linkpath) {
      scan.links.set(p, entryPath(entry.linkpath));
    } else if (FILE_TYPES.has(entry.type)) {
      await scanFile(store, scan, p, entry);
    }
  }
  return scan;
}

async function scanFile(store: Store, scan: ArchiveScan, p: string, entry: ReadEntry): Promise<void> {
  const what = `archive ${scan.file}: ${p}`;
  const it = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headSize = 0;
  while (headSize < 512) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headSize += r.value.length;
  }
  const rest: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    },
  };
  const kind = sniff(Buffer.concat(head));
  const size = entry.size ?? 0;
  if (kind === "unknown" && size <= SMALL_FILE_LIMIT && !p.endsWith("layer.tar")) {
    const bytes = await readEntryBytes(rest, what, SMALL_FILE_LIMIT);
    if (bytes.length !== size) throw truncated(what, size, bytes.length);
    scan.files.set(p, bytes);
    return;
  }
  const layer = await ingestLayer(store, rest, kind === "unknown" ? "none" : kind, what);
  if (layer.raw.size !== size) throw truncated(what, size, layer.raw.size);
  scan.layers.set(p, layer);
}

/** Stream (possibly compressed) tar bytes into the store as an uncompressed tar, hashing both forms. */
export async function ingestLayer(
  store: Store,
  src: AsyncIterable<Uint8Array>,
  compression: Compression,
  what: string,
): Promise<ScannedLayer> {
  const raw = new Hasher();
  async function* tap(): AsyncGenerator<Uint8Array> {
    for await (const c of src) {
      raw.update(c);
      yield c;
    }
  }
  const diff = await store.content.ingest(decompress(compression, tap(), what), { ref: what });
  return { raw: { digest: raw.digest(), size: raw.size }, compression, diff };
}

const truncated = (what: string, want: number, got: number) =>
  new StrataError("INVALID_ARGUMENT", `${what}: truncated (header says ${want} bytes, read ${got})`);

/** Follow links to the stored path; undefined when the archive has no such file. */
export function resolveArchivePath(scan: ArchiveScan, p: string): string {
  let cur = entryPath(path.posix.normalize(p));
  for (let hops = 0; hops < 32 && scan.links.has(cur); hops++) cur = entryPath(path.posix.normalize(scan.links.get(cur)!));
  return cur;
}

/** A layer by archive path, ingesting it now if the scan kept it in memory. */
export async function layerAt(store: Store, scan: ArchiveScan, p: string): Promise<ScannedLayer> {
  const key = resolveArchivePath(scan, p);
  const found = scan.layers.get(key);
  if (found) return found;
  const bytes = scan.files.get(key);
  if (!bytes) throw new StrataError("NOT_FOUND", `archive ${scan.file}: layer ${p}: not found in the archive`);
  const kind = sniff(bytes);
  const layer = await ingestLayer(store, once(bytes), kind === "unknown" ? "none" : kind, `archive ${scan.file}: ${p}`);
  scan.layers.set(key, layer);
  return layer;
}

/** A small file by archive path. */
export function fileAt(scan: ArchiveScan, p: string): Buffer {
  const bytes = scan.files.get(resolveArchivePath(scan, p));
  if (!bytes) throw new StrataError("NOT_FOUND", `archive ${scan.file}: ${p}: not found in the archive`);
  return bytes;
}

export function jsonAt<T>(scan: ArchiveScan, p: string): T {
  try {
    return JSON.parse(fileAt(scan, p).toString("utf8")) as T;
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError("INVALID_ARGUMENT", `archive ${scan.file}: ${p}: not valid JSON`, { cause: e });
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
