import { closeSync, createReadStream, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { StrataError } from "@strata/core";
import { detectCompression, scanTarFile } from "@strata/layers";

/** The files of an image source (an archive's members, or a directory's files), by relative path. */
export interface LayoutFiles {
  /** How messages name the source: "archive app.tar", "OCI layout ./dir". */
  readonly what: string;
  has(p: string): boolean;
  size(p: string): number;
  /** A small file (a manifest, a config): read whole. */
  read(p: string): Buffer;
  /** A large file (a layer), streamed. */
  stream(p: string): AsyncIterable<Uint8Array>;
}

const SMALL_LIMIT = 64 << 20;
const clean = (p: string) => path.posix.normalize(p).replace(/^(\.\/|\/)+/, "");

interface Member {
  offset: number;
  size: number;
  link?: string;
}

/** The members of a tar archive, located once by reading its headers; contents are read in place. */
export class ArchiveFiles implements LayoutFiles {
  readonly what: string;
  readonly #members = new Map<string, Member>();

  constructor(readonly file: string) {
    this.what = `archive ${file}`;
    let st;
    try {
      st = statSync(file);
    } catch {
      throw new StrataError("NOT_FOUND", `${file}: no such file`);
    }
    if (!st.isFile()) throw new StrataError("INVALID_ARGUMENT", `${file}: not a file`);
    const head = readHead(file, 4);
    if (detectCompression(head) !== "none") {
      throw new StrataError("INVALID_ARGUMENT", `${this.what}: compressed archives are not read in place; decompress it first (e.g. gunzip)`);
    }
    let entries;
    try {
      entries = scanTarFile(file);
    } catch (e) {
      const msg = e instanceof Error ? e.message.replace(/^invalid layer tar: /, "") : String(e);
      throw new StrataError("INVALID_ARGUMENT", `${this.what}: not a valid tar archive (${msg})`, { cause: e });
    }
    for (const e of entries) {
      const name = clean(e.name);
      if (e.type === "0") this.#members.set(name, { offset: e.offset, size: e.size });
      else if (e.type === "2") this.#members.set(name, { offset: 0, size: 0, link: clean(path.posix.join(path.posix.dirname(name), e.linkname)) });
      else if (e.type === "1") this.#members.set(name, { offset: 0, size: 0, link: clean(e.linkname) });
    }
  }

  has(p: string): boolean {
    return this.#resolve(p) !== undefined;
  }

  size(p: string): number {
    return this.#member(p).size;
  }

  read(p: string): Buffer {
    const m = this.#member(p);
    if (m.size > SMALL_LIMIT) throw new StrataError("INVALID_ARGUMENT", `${this.what}: ${p}: too large for metadata (${m.size} bytes)`);
    const buf = Buffer.alloc(m.size);
    const fd = openSync(this.file, "r");
    try {
      readSync(fd, buf, 0, m.size, m.offset);
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  stream(p: string): AsyncIterable<Uint8Array> {
    const m = this.#member(p);
    if (m.size === 0) return (async function* () {})();
    return createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
  }

  #resolve(p: string): Member | undefined {
    let name = clean(p);
    for (let hops = 0; hops < 32; hops++) {
      const m = this.#members.get(name);
      if (!m?.link) return m;
      name = m.link;
    }
    return undefined;
  }

  #member(p: string): Member {
    const m = this.#resolve(p);
    if (!m) throw new StrataError("NOT_FOUND", `${this.what}: ${p}: not in the archive`);
    return m;
  }
}

/** The files of a directory (an OCI layout). Paths cannot leave it. */
export class DirectoryFiles implements LayoutFiles {
  readonly what: string;

  constructor(readonly dir: string) {
    this.what = `OCI layout ${dir}`;
  }

  #path(p: string): string {
    const rel = clean(p);
    if (rel.startsWith("../") || rel === "..") throw new StrataError("INVALID_ARGUMENT", `${this.what}: ${p}: outside the layout`);
    return path.join(this.dir, rel);
  }

  has(p: string): boolean {
    return statSync(this.#path(p), { throwIfNoEntry: false })?.isFile() ?? false;
  }

  size(p: string): number {
    const st = statSync(this.#path(p), { throwIfNoEntry: false });
    if (!st?.isFile()) throw new StrataError("NOT_FOUND", `${this.what}: ${p}: no such file`);
    return st.size;
  }

  read(p: string): Buffer {
    const size = this.size(p);
    if (size > SMALL_LIMIT) throw new StrataError("INVALID_ARGUMENT", `${this.what}: ${p}: too large for metadata (${size} bytes)`);
    const buf = Buffer.alloc(size);
    const fd = openSync(this.#path(p), "r");
    try {
      readSync(fd, buf, 0, size, 0);
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  stream(p: string): AsyncIterable<Uint8Array> {
    this.size(p);
    return createReadStream(this.#path(p), { highWaterMark: 1 << 20 });
  }
}

function readHead(file: string, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync(file, "r");
  try {
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}
