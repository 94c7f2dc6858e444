import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Hasher, StrataError, errnoCode, hexOf, randomHex, sha256, writeFileAtomic, type Descriptor, type Digest } from "@strata/core";

/** Bytes of a blob: a buffer, or any stream of chunks (a Node Readable is one). */
export type BlobData = Uint8Array | AsyncIterable<Uint8Array>;

/** A minimal OCI image layout directory (oci-layout, index.json, blobs/sha256/…) for cache export/import. */
export class OciLayoutDir {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(path.join(this.dir, "blobs", "sha256"), { recursive: true });
    await writeFileAtomic(path.join(this.dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  }

  blobPath(digest: Digest): string {
    return path.join(this.dir, "blobs", "sha256", hexOf(digest));
  }

  /** Write a blob, checking its digest and size; an existing blob counts as written. */
  async putBlob(desc: { digest: Digest; size: number }, data: BlobData): Promise<void> {
    if (await this.hasBlob(desc.digest)) return;
    const tmp = path.join(this.dir, "blobs", `.ingest-${randomHex(8)}`);
    const hasher = new Hasher();
    const chunks = data instanceof Uint8Array ? [data] : data;
    try {
      await pipeline(
        async function* () {
          for await (const chunk of chunks) {
            hasher.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o444 }),
      );
      const got = hasher.digest();
      if (got !== desc.digest || hasher.size !== desc.size) {
        throw new StrataError("DIGEST_MISMATCH", `blob ${desc.digest}: got ${got} (${hasher.size} bytes, expected ${desc.size})`);
      }
      await rename(tmp, this.blobPath(desc.digest));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Store a JSON document as a blob; returns its descriptor. */
  async putJSON(mediaType: string, value: unknown): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(value));
    const desc: Descriptor = { mediaType, digest: sha256(bytes), size: bytes.length };
    await this.putBlob(desc, bytes);
    return desc;
  }

  async readJSON<T>(desc: { digest: Digest }): Promise<T> {
    const bytes = await readFile(this.blobPath(desc.digest));
    if (sha256(bytes) !== desc.digest) throw new StrataError("DIGEST_MISMATCH", `blob ${desc.digest} is corrupt`);
    return JSON.parse(bytes.toString("utf8")) as T;
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    try {
      await stat(this.blobPath(digest));
      return true;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return false;
      throw e;
    }
  }
}
