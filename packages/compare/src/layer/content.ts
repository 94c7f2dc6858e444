import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { StrataError, type Digest } from "@strata/core";
import type { LayerEntry } from "./entry.js";

const CHUNK = 1 << 18;

/**
 * Whether two regular files have the same content, reading as little as it can: one entry
 * object (the same layer on both sides) is equal to itself, different sizes differ, known
 * digests are compared, and contents that are still in their layer files are compared byte by
 * byte in place (memcmp speed, no hashing). Opened files stay open until `close()`.
 */
export class ContentComparer {
  readonly #fds = new Map<string, number>();
  readonly #a = Buffer.alloc(CHUNK);
  readonly #b = Buffer.alloc(CHUNK);

  same(a: LayerEntry, b: LayerEntry): boolean {
    if (a === b) return true;
    if (a.size !== b.size) return false;
    if (a.digest && b.digest) return a.digest === b.digest;
    if (a.size === 0) return true;
    if (a.file !== undefined && b.file !== undefined) return this.#sameBytes(a, b);
    return this.digest(a) === this.digest(b);
  }

  /** The content's sha256 (computed from the layer file once, then kept on the entry). */
  digest(e: LayerEntry): Digest {
    if (e.digest) return e.digest;
    if (e.file === undefined || e.offset === undefined) throw new StrataError("INTERNAL", `${e.path}: content is not available`);
    const hash = createHash("sha256");
    this.#read(e, (chunk) => {
      hash.update(chunk);
      return true;
    });
    e.digest = `sha256:${hash.digest("hex")}`;
    return e.digest;
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  #fd(file: string): number {
    let fd = this.#fds.get(file);
    if (fd === undefined) {
      fd = openSync(file, "r");
      this.#fds.set(file, fd);
    }
    return fd;
  }

  #sameBytes(a: LayerEntry, b: LayerEntry): boolean {
    const fa = this.#fd(a.file!);
    const fb = this.#fd(b.file!);
    for (let done = 0; done < a.size; ) {
      const n = Math.min(CHUNK, a.size - done);
      const ra = readSync(fa, this.#a, 0, n, a.offset! + done);
      const rb = readSync(fb, this.#b, 0, n, b.offset! + done);
      if (ra !== n || rb !== n) throw new StrataError("INVALID_ARGUMENT", `${ra !== n ? a.path : b.path}: layer file ended early`);
      if (!this.#a.subarray(0, n).equals(this.#b.subarray(0, n))) return false;
      done += n;
    }
    return true;
  }

  #read(e: LayerEntry, fn: (chunk: Buffer) => boolean): void {
    const fd = this.#fd(e.file!);
    for (let done = 0; done < e.size; ) {
      const n = readSync(fd, this.#a, 0, Math.min(CHUNK, e.size - done), e.offset! + done);
      if (n === 0) throw new StrataError("INVALID_ARGUMENT", `${e.path}: layer file ended early`);
      if (!fn(this.#a.subarray(0, n))) return;
      done += n;
    }
  }
}
