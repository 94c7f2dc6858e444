import type { Readable } from "node:stream";
import type { Descriptor, Digest } from "@strata/core";

/**
 * The content store: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`).
 * Lifecycle of a write: `writer({ref})` → `write()`… → `commit(expected)` (fsync, size and
 * digest check, atomic rename into blobs/) or `abort()`. A blob that already exists makes
 * `commit` succeed without writing. Nothing writes into `blobs/` any other way; blobs are
 * never modified in place.
 */
export interface ContentInfo {
  digest: Digest;
  size: number;
}

export interface ContentWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly offset: number;
  /** Commits and closes; DIGEST_MISMATCH if `expected` does not match what was written. */
  commit(expected?: { digest?: Digest; size?: number }): Promise<ContentInfo>;
  /** Discards the partial write. */
  abort(): Promise<void>;
}

export interface ContentStore {
  readonly root: string;
  writer(opts: { ref: string }): Promise<ContentWriter>;
  /** Streams `src` into the store, hashing as it goes. */
  ingest(src: AsyncIterable<Uint8Array>, opts: { ref: string; expected?: Digest; size?: number }): Promise<ContentInfo>;
  /** Small blobs (configs, manifests). */
  put(data: string | Uint8Array, expected?: Digest): Promise<ContentInfo>;
  /** Several small blobs written concurrently (their fsyncs overlap); same results as `put` one by one. */
  putAll(data: (string | Uint8Array)[]): Promise<ContentInfo[]>;
  has(digest: Digest): Promise<boolean>;
  /** NOT_FOUND when absent. */
  info(digest: Digest): Promise<ContentInfo>;
  read(digest: Digest): Readable;
  readBytes(digest: Digest): Promise<Buffer>;
  readJSON<T>(digest: Digest): Promise<T>;
  /** Host path of a committed blob (read-only), for zero-copy export. */
  blobPath(digest: Digest): string;
  walk(fn: (info: ContentInfo) => void | Promise<void>): Promise<void>;
  delete(digest: Digest): Promise<void>;
}

/** A tag: full normalised reference ("docker.io/library/busybox:latest") → manifest. */
export interface ImageRecord {
  name: string;
  target: Descriptor;
  created: string;
}

/** An index entry: a tag, or an image kept without one (`name` undefined). */
export type ImageEntry = Omit<ImageRecord, "name"> & { name?: string };

export interface ImageStore {
  get(name: string): Promise<ImageRecord>;
  /** Tags only. */
  list(): Promise<ImageRecord[]>;
  /** Tags and untagged images, in index order. */
  listAll(): Promise<ImageEntry[]>;
  put(name: string, target: Descriptor): Promise<void>;
  delete(name: string): Promise<void>;
  /** Keeps an image with no name (a dangling one: an untagged build, an archive without tags). */
  putUntagged(target: Descriptor): Promise<void>;
  /** Several tags and untagged images in one index update; nothing is written when all are recorded already. */
  putImages(items: { name?: string; target: Descriptor }[]): Promise<void>;
  /** Removes a tag; with `keepImage` the image stays untagged when nothing else refers to it. */
  untag(name: string, opts?: { keepImage?: boolean }): Promise<void>;
  /** Removes every entry (tagged or not) for this manifest; returns how many. */
  deleteManifest(digest: Descriptor["digest"]): Promise<number>;
}
