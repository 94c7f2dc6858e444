import { open, type FileHandle } from "node:fs/promises";
import { Header } from "tar";
import { Hasher, StrataError, type Digest } from "@strata/core";

const BLOCK = 512;
const EPOCH = new Date(0);

/**
 * A minimal tar writer over a file handle. Entries with unknown size (compressed on the fly)
 * get their header written afterwards into a reserved block, so data is never buffered.
 * Entries are reproducible: mtime 0, uid/gid 0, fixed modes.
 */
export class TarWriter {
  #pos = 0;
  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
  ) {}

  static async create(file: string): Promise<TarWriter> {
    return new TarWriter(await open(file, "w", 0o644), file);
  }

  async addDir(name: string): Promise<void> {
    await this.#put(header(name.endsWith("/") ? name : `${name}/`, 0, "Directory", 0o755));
  }

  async addFile(name: string, data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    await this.#put(header(name, bytes.length, "File", 0o644));
    await this.#put(bytes);
    await this.#pad(bytes.length);
  }

  /** Stream exactly `size` bytes into an entry. */
  async addStream(name: string, size: number, src: AsyncIterable<Uint8Array>): Promise<void> {
    await this.#put(header(name, size, "File", 0o644));
    let n = 0;
    for await (const c of src) {
      n += c.length;
      if (n > size) break;
      await this.#put(c);
    }
    if (n !== size) throw new StrataError("INTERNAL", `${this.file}: ${name}: expected ${size} bytes, got ${n}`);
    await this.#pad(size);
  }

  /** Stream data of unknown size; the entry is named from the digest of what was written. */
  async addHashed(nameOf: (digest: Digest) => string, src: AsyncIterable<Uint8Array>): Promise<{ digest: Digest; size: number }> {
    const headerAt = this.#pos;
    this.#pos += BLOCK;
    const hasher = new Hasher();
    for await (const c of src) {
      hasher.update(c);
      await this.#put(c);
    }
    const info = { digest: hasher.digest(), size: hasher.size };
    await this.#writeAt(header(nameOf(info.digest), info.size, "File", 0o644), headerAt);
    await this.#pad(info.size);
    return info;
  }

  /** End-of-archive blocks, fsync, close. */
  async finish(): Promise<void> {
    await this.#put(Buffer.alloc(2 * BLOCK));
    await this.fh.sync();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }

  async #pad(size: number): Promise<void> {
    const rem = size % BLOCK;
    if (rem !== 0) await this.#put(Buffer.alloc(BLOCK - rem));
  }

  async #put(data: Uint8Array): Promise<void> {
    await this.#writeAt(data, this.#pos);
    this.#pos += data.length;
  }

  async #writeAt(data: Uint8Array, position: number): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh.write(data, off, data.length - off, position + off);
      off += bytesWritten;
    }
  }
}

function header(path: string, size: number, type: "File" | "Directory", mode: number): Buffer {
  const h = new Header({ path, mode, uid: 0, gid: 0, size, mtime: EPOCH, type, uname: "", gname: "" });
  if (h.encode()) throw new StrataError("INTERNAL", `tar entry name too long: ${path}`);
  return h.block!;
}
