import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Hasher, StrataError, type Digest } from "@strata/core";
import { fsError } from "./fs-errors.js";
import { blobPathIn, layoutPaths } from "./layout.js";
import { ownedName } from "./pid.js";
import type { ContentInfo, ContentWriter } from "./types.js";

/**
 * An in-flight write in `ingest/<random>`: bytes are hashed as they are written, and `commit`
 * verifies them before the atomic rename into `blobs/sha256/`.
 */
export class IngestWriter implements ContentWriter {
  #fh: FileHandle | undefined;
  #hasher = new Hasher();
  #done = false;

  private constructor(
    private readonly root: string,
    private readonly ref: string,
    private readonly tmp: string,
    fh: FileHandle,
  ) {
    this.#fh = fh;
  }

  static async create(root: string, ref: string): Promise<IngestWriter> {
    const tmp = path.join(layoutPaths(root).ingest, ownedName(randomBytes(8).toString("hex")));
    try {
      return new IngestWriter(root, ref, tmp, await open(tmp, "wx", 0o644));
    } catch (e) {
      throw fsError(e, `ingest ${ref} (${tmp})`);
    }
  }

  get offset(): number {
    return this.#hasher.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const fh = this.#open();
    let written = 0;
    try {
      while (written < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, written, chunk.length - written);
        written += bytesWritten;
      }
    } catch (e) {
      throw fsError(e, `ingest ${this.ref}`);
    }
    this.#hasher.update(chunk);
  }

  async commit(expected: { digest?: Digest; size?: number } = {}): Promise<ContentInfo> {
    const fh = this.#open();
    this.#done = true;
    try {
      await fh.sync();
    } finally {
      await fh.close();
      this.#fh = undefined;
    }
    const info: ContentInfo = { digest: this.#hasher.digest(), size: this.#hasher.size };
    let moved = false;
    try {
      if (expected.size !== undefined && expected.size !== info.size) {
        throw new StrataError(
          "DIGEST_MISMATCH",
          `ingest ${this.ref}: size mismatch: expected ${expected.size} bytes, got ${info.size}`,
        );
      }
      if (expected.digest !== undefined && expected.digest !== info.digest) {
        throw new StrataError("DIGEST_MISMATCH", `ingest ${this.ref}: digest mismatch: expected ${expected.digest}, got ${info.digest}`);
      }
      moved = publishIngested(this.tmp, blobPathIn(this.root, info.digest));
      return info;
    } catch (e) {
      throw fsError(e, `blob ${info.digest}`);
    } finally {
      if (!moved) await rm(this.tmp, { force: true });
    }
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#fh?.close().catch(() => {});
    this.#fh = undefined;
    await rm(this.tmp, { force: true });
  }

  #open(): FileHandle {
    if (this.#done || !this.#fh) throw new StrataError("FAILED_PRECONDITION", `ingest ${this.ref}: writer already closed`);
    return this.#fh;
  }
}

/** Blobs up to this size are written with blocking calls (configs, manifests, small layers). */
export const SMALL_BLOB = 64 * 1024;

/**
 * The ingest protocol of `IngestWriter` (temp file in ingest/, fsync, then `publishIngested`)
 * with blocking calls, for a blob already in memory and already hashed: on this host an async
 * write of a 1 KB manifest was ~8 thread-pool round trips, 2–5 ms, for microseconds of I/O.
 */
export function putSmallBlobSync(root: string, ref: string, bytes: Uint8Array, digest: Digest): ContentInfo {
  const dest = blobPathIn(root, digest);
  if (statSync(dest, { throwIfNoEntry: false })) {
    touchBlob(dest);
    return { digest, size: bytes.length };
  }
  const tmp = path.join(layoutPaths(root).ingest, ownedName(randomBytes(8).toString("hex")));
  let moved = false;
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    moved = publishIngested(tmp, dest);
    return { digest, size: bytes.length };
  } catch (e) {
    throw fsError(e, `ingest ${ref} (${tmp})`);
  } finally {
    if (!moved) rmSync(tmp, { force: true });
  }
}

/**
 * Several small blobs at once (a build's image configs and manifests): the new ones are written
 * and fsynced concurrently through the thread pool, so their syncs overlap (10 blobs: ~4 ms
 * here, against ~10-20 ms one after another with blocking calls), then each is published by
 * rename. Blobs already present are only touched.
 */
export async function putSmallBlobs(root: string, blobs: { bytes: Uint8Array; digest: Digest }[]): Promise<ContentInfo[]> {
  const jobs = new Map<Digest, { bytes: Uint8Array; tmp: string; published: boolean }>();
  for (const { bytes, digest } of blobs) {
    if (jobs.has(digest)) continue;
    const dest = blobPathIn(root, digest);
    if (statSync(dest, { throwIfNoEntry: false })) touchBlob(dest);
    else jobs.set(digest, { bytes, tmp: path.join(layoutPaths(root).ingest, ownedName(randomBytes(8).toString("hex"))), published: false });
  }
  try {
    await Promise.all(
      [...jobs].map(async ([digest, job]) => {
        let fh: FileHandle | undefined;
        try {
          fh = await open(job.tmp, "wx", 0o644);
          await fh.writeFile(job.bytes);
          await fh.sync();
        } catch (e) {
          throw fsError(e, `ingest put-${digest} (${job.tmp})`);
        } finally {
          await fh?.close();
        }
      }),
    );
    for (const [digest, job] of jobs) {
      try {
        job.published = publishIngested(job.tmp, blobPathIn(root, digest));
      } catch (e) {
        throw fsError(e, `blob ${digest}`);
      }
    }
  } finally {
    for (const job of jobs.values()) if (!job.published) rmSync(job.tmp, { force: true });
  }
  return blobs.map(({ bytes, digest }) => ({ digest, size: bytes.length }));
}

/**
 * Moves a finished, verified ingest file into blobs/ as a read-only blob by atomic rename, or,
 * when the blob is there already, only refreshes its mtime; returns whether it moved the file
 * (if not, the caller removes it). A handful of tiny syscalls: blocking calls, as for `has`.
 */
function publishIngested(tmp: string, dest: string): boolean {
  if (statSync(dest, { throwIfNoEntry: false })) {
    touchBlob(dest);
    return false;
  }
  chmodSync(tmp, 0o444);
  renameSync(tmp, dest);
  return true;
}

/** Refresh a re-committed blob's mtime so a concurrent GC sees it as freshly written (see leases). */
export function touchBlob(file: string): void {
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    // a blob another process just removed: its writer will put it back
  }
}
