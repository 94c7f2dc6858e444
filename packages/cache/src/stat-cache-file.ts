/**
 * The stat cache on disk, as columns a load can use without parsing each row:
 *
 *   magic "STRSTAT4"                              8 bytes
 *   rows, contextDir bytes, paths bytes, memo bytes   4 × uint32 LE
 *   stats     rows × 5 float64 LE                 size, mtime ms, ctime ms, inode, device
 *   digests   rows × 32 bytes                     sha256 of each file
 *   contextDir (UTF-8), the paths (UTF-8, NUL-separated, which no path can contain), then the
 *   remembered tree checksums as JSON (see `TreeMemo`)
 *
 * Measured on the 20,000-file bench context: 1.7 MB, loaded in ~4 ms, where the JSON form
 * before it (3 MB) took ~18 ms to parse and index.
 */
export interface StatCacheColumns {
  paths: string[];
  stats: Float64Array;
  digests: Buffer;
  memos: Record<string, TreeMemo>;
}

/** A whole checksum remembered by the fingerprint of the walk that found it (see ContextHasher). */
export interface TreeMemo {
  fingerprint: string;
  digest: string;
  /** Milliseconds since the epoch; the least recently used go first when there are too many. */
  used: number;
}

const MAGIC = Buffer.from("STRSTAT4");
const HEADER = MAGIC.length + 16;
const FIELDS = 5;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function encodeStatCache(contextDir: string, columns: StatCacheColumns): Buffer {
  const rows = columns.paths.length;
  if (columns.stats.length !== rows * FIELDS || columns.digests.length !== rows * 32) throw new Error("stat cache columns disagree");
  const dir = Buffer.from(contextDir);
  const paths = Buffer.from(columns.paths.join("\0"));
  const memos = Buffer.from(JSON.stringify(columns.memos));
  const out = Buffer.alloc(HEADER + rows * FIELDS * 8 + rows * 32 + dir.length + paths.length + memos.length);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(rows, 8);
  out.writeUInt32LE(dir.length, 12);
  out.writeUInt32LE(paths.length, 16);
  out.writeUInt32LE(memos.length, 20);
  let at = HEADER;
  if (LITTLE_ENDIAN) at += Buffer.from(columns.stats.buffer, columns.stats.byteOffset, columns.stats.byteLength).copy(out, at);
  else for (const n of columns.stats) at = out.writeDoubleLE(n, at);
  at += columns.digests.copy(out, at);
  at += dir.copy(out, at);
  at += paths.copy(out, at);
  memos.copy(out, at);
  return out;
}

/** The columns, or undefined for a file that is not a whole stat cache of `contextDir`. */
export function decodeStatCache(bytes: Buffer, contextDir: string): StatCacheColumns | undefined {
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const rows = bytes.readUInt32LE(8);
  const dirLength = bytes.readUInt32LE(12);
  const pathsLength = bytes.readUInt32LE(16);
  const memosLength = bytes.readUInt32LE(20);
  const statsAt = HEADER;
  const digestsAt = statsAt + rows * FIELDS * 8;
  const dirAt = digestsAt + rows * 32;
  const pathsAt = dirAt + dirLength;
  const memosAt = pathsAt + pathsLength;
  if (memosAt + memosLength !== bytes.length) return undefined;
  if (bytes.toString("utf8", dirAt, pathsAt) !== contextDir) return undefined;
  const paths = rows === 0 ? [] : bytes.toString("utf8", pathsAt, pathsAt + pathsLength).split("\0");
  if (paths.length !== rows) return undefined;
  if (!LITTLE_ENDIAN) return undefined; // advisory: a big-endian host just hashes again
  // A Float64Array over the file's own bytes needs 8-byte alignment.
  const aligned = (bytes.byteOffset + statsAt) % 8 === 0 ? bytes : Buffer.from(bytes);
  const stats = new Float64Array(aligned.buffer, aligned.byteOffset + statsAt, rows * FIELDS);
  let memos: unknown;
  try {
    memos = memosLength === 0 ? {} : JSON.parse(bytes.toString("utf8", memosAt, memosAt + memosLength));
  } catch {
    return undefined;
  }
  if (!isMemoRecord(memos)) return undefined;
  return { paths, stats, digests: bytes.subarray(digestsAt, dirAt), memos };
}

function isMemoRecord(v: unknown): v is Record<string, TreeMemo> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  return Object.values(v).every(
    (m: Partial<TreeMemo>) => typeof m === "object" && m !== null && typeof m.fingerprint === "string" && typeof m.digest === "string" && typeof m.used === "number",
  );
}
