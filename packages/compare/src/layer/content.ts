import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { StrataError, type Digest } from "@strata/core";
import type { LayerEntry } from "./entry.js";

const CHUNK = 1 << 18;
const WINDOW = 1 << 20;

/**
 * Reads ranges of one file through a 1 MiB window: the files a comparison reads follow each
 * other in the layer tar, so one read serves dozens of small files (a syscall per file cost
 * more than the copy).
 */
class WindowedFile {
  readonly #buf = Buffer.alloc(WINDOW);
  #start = 0;
  #len = 0;
  constructor(readonly fd: number) {}

  /** `n` bytes at `pos` (n ≤ WINDOW), valid until the next call. */
  bytes(pos: number, n: number): Buffer {
    if (pos < this.#start || pos + n > this.#start + this.#len) {
      this.#start = pos;
      this.#len = readSync(this.fd, this.#buf, 0, WINDOW, pos);
    }
    const at = pos - this.#start;
    return this.#buf.subarray(at, Math.min(at + n, this.#len));
  }
}

/**
 * Whether two regular files have the same content, reading as little as it can: one entry
 * object (the same layer on both sides) is equal to itself, different sizes differ, known
 * digests are compared, and contents that are still in their layer files are compared byte by
 * byte in place (memcmp speed, no hashing). Opened files stay open until `close()`.
 */
export class ContentComparer {
  /** Open layer files, one window per file and side, so the two sides never evict each other. */
  readonly #files = { a: new Map<string, WindowedFile>(), b: new Map<string, WindowedFile>() };
  /** Answers already worked out (a layer's own diff asks again what the file diff asked). */
  readonly #known = new WeakMap<LayerEntry, WeakMap<LayerEntry, boolean>>();

  same(a: LayerEntry, b: LayerEntry): boolean {
    if (a === b) return true;
    if (a.size !== b.size) return false;
    if (a.digest && b.digest) return a.digest === b.digest;
    if (a.size === 0) return true;
    const known = this.#known.get(a)?.get(b);
    if (known !== undefined) return known;
    const same = a.file !== undefined && b.file !== undefined ? this.#sameBytes(a, b) : this.digest(a) === this.digest(b);
    let forA = this.#known.get(a);
    if (!forA) this.#known.set(a, (forA = new WeakMap()));
    forA.set(b, same);
    return same;
  }

  /** The content's sha256 (computed from the layer file once, then kept on the entry). */
  digest(e: LayerEntry): Digest {
    if (e.digest) return e.digest;
    if (e.file === undefined || e.offset === undefined) throw new StrataError("INTERNAL", `${e.path}: content is not available`);
    const offset = e.offset;
    const hash = createHash("sha256");
    const f = this.#file(e.file);
    for (let done = 0; done < e.size; ) {
      const chunk = f.bytes(offset + done, Math.min(CHUNK, e.size - done));
      if (chunk.length === 0) throw new StrataError("INVALID_ARGUMENT", `${e.path}: layer file ended early`);
      hash.update(chunk);
      done += chunk.length;
    }
    e.digest = `sha256:${hash.digest("hex")}`;
    return e.digest;
  }

  close(): void {
    for (const side of Object.values(this.#files)) {
      for (const f of side.values()) closeSync(f.fd);
      side.clear();
    }
  }

  #file(file: string, side: "a" | "b" = "a"): WindowedFile {
    let f = this.#files[side].get(file);
    if (!f) {
      f = new WindowedFile(openSync(file, "r"));
      this.#files[side].set(file, f);
    }
    return f;
  }

  #sameBytes(a: LayerEntry, b: LayerEntry): boolean {
    const fa = this.#file(a.file!, "a");
    const fb = this.#file(b.file!, "b");
    for (let done = 0; done < a.size; ) {
      const n = Math.min(CHUNK, a.size - done);
      const ba = fa.bytes(a.offset! + done, n);
      const bb = fb.bytes(b.offset! + done, n);
      if (ba.length !== n || bb.length !== n) throw new StrataError("INVALID_ARGUMENT", `${ba.length !== n ? a.path : b.path}: layer file ended early`);
      if (!ba.equals(bb)) return false;
      done += n;
    }
    return true;
  }
}
