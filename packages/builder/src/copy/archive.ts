import { chmod, lchown, lstat } from "node:fs/promises";
import { resolveInRoot, runStreaming } from "@strata/core";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { copyFailed } from "./errors.js";

export type Compression = "none" | "gzip" | "bzip2" | "xz" | "zstd";

const MAGIC: [Compression, number[]][] = [
  ["gzip", [0x1f, 0x8b, 0x08]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Compression by magic bytes, as Docker's DetectCompression (the file name is never looked at). */
export function detectCompression(head: Uint8Array): Compression {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name;
  return "none";
}

/** The file's bytes, decompressed; external decompressors are Debian's xz/bzip2/zstd CLIs. */
interface Decompressed {
  stream: Readable;
  /** Settles when the decompressor has finished (rejects if it failed). */
  done: Promise<void>;
  stop: () => void;
}

async function openDecompressed(file: string, compression: Compression): Promise<Decompressed> {
  if (compression === "none" || compression === "gzip") {
    const raw = createReadStream(file);
    if (compression === "none") return { stream: raw, done: Promise.resolve(), stop: () => raw.destroy() };
    const gunzip = (await loadZlib()).createGunzip();
    raw.on("error", (e) => gunzip.destroy(e));
    raw.pipe(gunzip);
    return { stream: gunzip, done: Promise.resolve(), stop: () => (raw.destroy(), gunzip.destroy()) };
  }
  const proc = runStreaming(compression, ["-dc"], { inputFile: file });
  const done = proc.done.catch((e: Error) => {
    throw new Error(`${compression} -dc failed: ${e.message}`);
  });
  done.catch(() => {}); // observed by callers that care
  return { stream: proc.stdout, done, stop: proc.kill };
}

/** Whether a 512-byte block is a valid tar header (checksum over the header, checksum field as spaces). */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString("latin1").replace(/\0.*$/s, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const expected = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return expected === unsigned || expected === signed;
}

/**
 * BuildKit's rule: a regular file is an archive when, after decompression, a tar header can be
 * read from it. A gzip of something that is not a tar is copied as a plain file.
 */
export async function sniffArchive(file: string): Promise<Compression | undefined> {
  const fh = await open(file, "r");
  let head: Buffer;
  try {
    head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const compression = detectCompression(head);
  if (compression === "none") return isTarHeader(head) ? "none" : undefined;
  const block = await readPrefix(file, compression, 512);
  return isTarHeader(block) ? compression : undefined;
}

async function readPrefix(file: string, compression: Compression, size: number): Promise<Uint8Array> {
  const { stream, stop } = await openDecompressed(file, compression);
  const chunks: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= size) break;
    }
  } catch {
    // corrupt stream: whatever we got decides
  } finally {
    stop();
  }
  return Buffer.concat(chunks).subarray(0, size);
}

/**
 * Extract an archive into `destDir` (which exists), merging with what is there: existing files are
 * replaced, directories kept (an entry for an existing directory sets its owner and mode).
 * As Docker (checked against 20.10's BuildKit and the legacy builder): the archive's root entry
 * (`./`) never changes `destDir`; entries keep the archive's uid/gid, modes and mtimes, whatever
 * `--chown`/`--chmod` say (those apply to the destination directories the copy creates); implied
 * parents are 0755 root. Paths with ".." or absolute names are confined by node-tar. Returns the
 * entry count.
 */
export async function extractArchive(file: string, compression: Compression, destDir: string): Promise<number> {
  let count = 0;
  const warnings: string[] = [];
  const isRoot = process.getuid?.() === 0;
  const fixups: EntryAttrs[] = [];
  const tar = await import("tar"); // only ADD of a local archive needs node-tar: loaded on first use
  const unpack = tar.x({
    cwd: destDir,
    unlink: true,
    chmod: true,
    processUmask: 0,
    preserveOwner: isRoot,
    maxDepth: Infinity,
    filter: (entryPath, entry) => {
      count++;
      if (isArchiveRoot(entryPath)) return false;
      if ("type" in entry && typeof entry.mode === "number") {
        fixups.push({ path: entryPath, type: String(entry.type), mode: entry.mode, uid: entry.uid ?? 0, gid: entry.gid ?? 0 });
      }
      return true;
    },
    onwarn: (code, message) => {
      warnings.push(`${code}: ${message}`);
    },
  });
  const { stream, done, stop } = await openDecompressed(file, compression);
  try {
    await pipeline(stream, unpack);
    await done;
  } catch (e) {
    stop();
    throw copyFailed("INVALID_ARGUMENT", `failed to extract archive ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (warnings.some((w) => w.startsWith("TAR_BAD_ARCHIVE") || w.startsWith("TAR_ABORT"))) {
    throw copyFailed("INVALID_ARGUMENT", `failed to extract archive ${file}: ${warnings.join("; ")}`);
  }
  if (isRoot) await restoreOwnersAndModes(destDir, fixups);
  return count;
}

/** `.`, `./`, `/` and the like: the archive's entry for the directory it is extracted into. */
const isArchiveRoot = (entryPath: string) => /^[./]*$/.test(entryPath);

interface EntryAttrs {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
}

/**
 * node-tar chmods before it chowns (which clears setuid/setgid) and never chowns symlinks; Docker
 * keeps both. Re-applies owner (then mode, so the special bits survive) from each header, never
 * following a link: every path is resolved inside `destDir` with its last component unfollowed.
 */
async function restoreOwnersAndModes(destDir: string, entries: EntryAttrs[]): Promise<void> {
  for (const e of entries) {
    if (e.type === "Link") continue;
    const target = await resolveInRoot(destDir, e.path, false);
    const st = await lstat(target).catch(() => undefined);
    if (!st) continue;
    if (st.uid !== e.uid || st.gid !== e.gid) await lchown(target, e.uid, e.gid);
    if (!st.isSymbolicLink() && (st.mode & 0o7777) !== (e.mode & 0o7777)) await chmod(target, e.mode & 0o7777);
  }
}

/** zlib is loaded when a gzip archive is first opened: ~1.4 ms of every start otherwise. */
const loadZlib = () => import("node:zlib");
