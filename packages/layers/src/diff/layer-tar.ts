import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { StrataError } from "@strata/core";
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX, type Change } from "./change.js";
import type { FileMeta, FileType } from "./file-meta.js";
import { END_OF_ARCHIVE, encodeHeader, padding, TarType, type TarHeader } from "./tar-header.js";

export interface LayerTarOptions {
  /** Clamp mtimes to this many seconds since the epoch (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
  /** Size of the reads of file bodies (default 4 MiB: 500 MB/s vs 440 MB/s for 1 MiB, same RSS). */
  readChunk?: number;
}

const TYPE_FLAG: Record<Exclude<FileType, "socket">, string> = {
  file: TarType.file,
  dir: TarType.dir,
  symlink: TarType.symlink,
  char: TarType.char,
  block: TarType.block,
  fifo: TarType.fifo,
};

/** Small pieces (headers, padding, tiny files) are gathered up to this size before they are handed on. */
const COALESCE = 256 * 1024;

/**
 * Streams the OCI layer tar for `changes` (already in layer order). File bodies are read in
 * chunks as the consumer pulls, so memory stays flat whatever the layer size. Hardlinks: the
 * first path of an inode carries the data, later ones are link entries to it. Whiteouts are
 * empty regular files with mode 0, owner 0:0 and mtime 0, as containerd writes them.
 */
export async function* layerTar(changes: AsyncIterable<Change>, opts: LayerTarOptions = {}): AsyncGenerator<Buffer> {
  const chunk = opts.readChunk ?? 4 << 20;
  const firstLink = new Map<string, string>();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (): Buffer => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  const push = (b: Buffer): boolean => {
    pending.push(b);
    pendingBytes += b.length;
    return pendingBytes >= COALESCE;
  };

  for await (const c of changes) {
    opts.signal?.throwIfAborted();
    if (c.kind === "delete") {
      if (push(encodeHeader(whiteoutHeader(c.path)))) yield take();
      continue;
    }
    const m = c.meta;
    if (m.type === "socket") continue;
    const header = headerFor(c.path, m, opts.sourceDateEpoch);
    if (m.type === "file" && m.nlink > 1) {
      const key = `${m.dev}:${m.ino}`;
      const first = firstLink.get(key);
      if (first !== undefined) Object.assign(header, { type: TarType.link, linkname: first, size: 0 });
      else firstLink.set(key, c.path);
    }
    push(encodeHeader(header));
    if (c.opaque) push(encodeHeader(whiteoutHeader(`${c.path}/${OPAQUE_WHITEOUT}`, true)));
    if (header.type === TarType.file && header.size > 0) {
      if (header.size <= SMALL_FILE) {
        push(smallFileBody(c.source, header.size));
      } else {
        yield take();
        for await (const b of fileBody(c.source, header.size, chunk)) {
          opts.signal?.throwIfAborted();
          yield b;
        }
      }
      push(Buffer.alloc(padding(header.size)));
    }
    if (pendingBytes >= COALESCE) yield take();
  }
  push(END_OF_ARCHIVE);
  yield take();
}

function headerFor(path: string, m: FileMeta, sourceDateEpoch: number | undefined): TarHeader {
  let mtime = Number(m.mtimeNs / 1_000_000_000n);
  if (m.mtimeNs < 0n && m.mtimeNs % 1_000_000_000n !== 0n) mtime -= 1;
  if (sourceDateEpoch !== undefined && mtime > sourceDateEpoch) mtime = sourceDateEpoch;
  const h: TarHeader = {
    name: m.type === "dir" ? `${path}/` : path,
    type: TYPE_FLAG[m.type as Exclude<FileType, "socket">],
    mode: m.mode,
    uid: m.uid,
    gid: m.gid,
    size: m.type === "file" ? m.size : 0,
    mtime,
  };
  if (m.type === "symlink") h.linkname = m.linkTarget ?? "";
  if (m.type === "char" || m.type === "block") {
    h.devmajor = ((m.rdev >>> 8) & 0xfff) | (Math.floor(m.rdev / 2 ** 32) & ~0xfff);
    h.devminor = (m.rdev & 0xff) | ((m.rdev >>> 12) & 0xfff00);
  }
  if (m.xattrs.size > 0) h.xattrs = new Map([...m.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return h;
}

/** `a/b` deleted → `a/.wh.b`; `opaque` takes `path` as the marker's full name. */
function whiteoutHeader(path: string, opaque = false): TarHeader {
  let name = path;
  if (!opaque) {
    const slash = path.lastIndexOf("/");
    name = path.slice(0, slash + 1) + WHITEOUT_PREFIX + path.slice(slash + 1);
  }
  return { name, type: TarType.file, mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 };
}

/**
 * Files up to this size are read with blocking calls: on a 20,000-file layer, an async
 * open/read/close per file spent ~4 s waiting on thread-pool round trips for ~0.3 s of I/O.
 */
const SMALL_FILE = 1 << 20;

function smallFileBody(file: string, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const fd = openSync(file, "r");
  try {
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) throw new StrataError("FAILED_PRECONDITION", `${file} shrank while it was being archived`);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Exactly `size` bytes of `file`, in fresh buffers (the consumer may keep them). */
async function* fileBody(file: string, size: number, chunk: number): AsyncGenerator<Buffer> {
  const fh = await open(file, "r");
  try {
    let pos = 0;
    while (pos < size) {
      const want = Math.min(chunk, size - pos);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, pos + got);
        if (bytesRead === 0) throw new StrataError("FAILED_PRECONDITION", `${file} shrank while it was being archived`);
        got += bytesRead;
      }
      pos += want;
      yield buf;
    }
  } finally {
    await fh.close();
  }
}
