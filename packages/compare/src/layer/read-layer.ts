import { createHash } from "node:crypto";
import { Hasher, StrataError, type Digest } from "@strata/core";
import { decompressed, forEachTarEntry, readTar } from "@strata/layers";
import type { LayerIndex } from "./entry.js";
import { LayerIndexBuilder } from "./from-header.js";

/**
 * A layer stored as an uncompressed tar file the store trusts: only its headers are read, and
 * file contents stay where they are (`offset`), read later only if a comparison needs them.
 */
export function indexLayerFile(file: string): LayerIndex {
  const builder = new LayerIndexBuilder();
  forEachTarEntry(file, (h) => builder.add(h, { file, offset: h.offset }));
  return builder.index;
}

/** What the source promises about a layer: checked while it streams past. */
export interface LayerPromise {
  /** Where the layer is, for messages ("archive app.tar: layer 2"). */
  what: string;
  diffId: Digest;
  /** Digest and size of the bytes as stored (compressed or not), when the source names them. */
  digest?: Digest;
  size?: number;
}

/**
 * A layer from a source that must be checked (an archive, an OCI layout): one streaming pass
 * decompresses it, hashes what is stored and what it uncompresses to (the diffID), and hashes
 * every file's content; nothing is held but one chunk. A digest that does not match fails.
 */
export async function indexLayerStream(raw: AsyncIterable<Uint8Array>, promise: LayerPromise): Promise<LayerIndex> {
  const stored = new Hasher();
  const uncompressed = new Hasher();
  async function* tapStored(): AsyncGenerator<Uint8Array> {
    for await (const c of raw) {
      stored.update(c);
      yield c;
    }
  }
  async function* tapUncompressed(): AsyncGenerator<Buffer> {
    for await (const c of decompressed(tapStored())) {
      uncompressed.update(c);
      yield c;
    }
  }
  const builder = new LayerIndexBuilder();
  const tar = tapUncompressed();
  try {
    for await (const h of readTar(tar)) {
      const entry = builder.add(h);
      if (entry?.type !== "file") continue;
      const hash = createHash("sha256");
      for await (const c of h.body) hash.update(c);
      entry.digest = `sha256:${hash.digest("hex")}`;
    }
    // Trailing bytes after the end marker belong to the layer's digests too.
    for await (const _ of tar) {
      // drained
    }
  } catch (e) {
    if (e instanceof StrataError && e.code === "DIGEST_MISMATCH") throw e;
    const msg = e instanceof Error ? e.message.replace(/^invalid layer tar: /, "") : String(e);
    throw new StrataError("INVALID_ARGUMENT", `${promise.what}: not a readable layer (${msg})`, { cause: e });
  }
  if (promise.size !== undefined && stored.size !== promise.size) {
    throw new StrataError("DIGEST_MISMATCH", `${promise.what}: size mismatch: the manifest says ${promise.size} bytes, the blob has ${stored.size}`);
  }
  if (promise.digest !== undefined) {
    const got = stored.digest();
    if (got !== promise.digest) throw new StrataError("DIGEST_MISMATCH", `${promise.what}: digest mismatch: the manifest says ${promise.digest}, the blob is ${got}`);
  }
  const diffId = uncompressed.digest();
  if (diffId !== promise.diffId) {
    throw new StrataError("DIGEST_MISMATCH", `${promise.what}: diffID mismatch: the config says ${promise.diffId}, the uncompressed layer is ${diffId}`);
  }
  return builder.index;
}
