import type { Descriptor, Digest, ImageConfig, Manifest, ProgressSink } from "@strata/core";
import type { Applier, Differ, Snapshotter } from "@strata/layers";
import type { Runner } from "@strata/runner";
import type { CacheStore } from "@strata/cache";
import type { Store } from "@strata/store";

/** The engine parts a build runs on; the CLI wires real implementations in. */
export interface BuildEnv {
  store: Store;
  snapshotter: Snapshotter;
  differ: Differ;
  applier: Applier;
  runner: Runner & { cleanup?(): Promise<void> };
  cache: CacheStore;
  /** Where per-context stat caches live. */
  cacheDir: string;
  progress: ProgressSink;
  /** Images and blobs in registries; absent, a build uses the store only. */
  remote?: RemoteContent;
}

/**
 * What a build may take from registries, lazily: an image's manifest and config without its
 * layers, and a blob only when a step needs the filesystem it belongs to.
 */
export interface RemoteContent {
  /** Resolves a reference the store does not hold (or `--pull`): manifest and config land in the store, layers stay remote. */
  resolveImage(ref: string): Promise<{ manifestDesc: Descriptor; manifest: Manifest; config: ImageConfig }>;
  /** Whether a blob the store lacks is known to be in a registry. */
  canFetch(digest: Digest): boolean;
  /** Downloads a blob into the store, verified against its digest. */
  fetch(desc: Descriptor): Promise<void>;
}

export interface BuildRequest {
  /** Host directory of the build context. */
  contextDir: string;
  /** Host path of the Dockerfile (for reading and for error locations). */
  dockerfilePath: string;
  /** Name shown in error locations, e.g. "Dockerfile". */
  dockerfileName?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  network?: "none" | "host";
  noCache?: boolean;
  /** Stages whose steps never use the cache. */
  noCacheFilter?: string[];
  /** Compute every step's key and look it up; run nothing, write nothing. */
  dryRun?: boolean;
  /** Seconds since the epoch; clamps file mtimes and sets `created`. */
  sourceDateEpoch?: number;
  /** Resolve every FROM image on its registry even when the store has it (`--pull`). */
  pull?: boolean;
  /**
   * Download the final image's layers that are only in a registry (imported cache hits, a base
   * never unpacked) so the image is complete in the store and tagged (default true). False
   * (`--push` without `--load`): such an image is written as a manifest only, and not tagged.
   */
  fetchMissingLayers?: boolean;
  signal?: AbortSignal;
}

export interface StepReport {
  id: string;
  stage: string;
  name: string;
  cached: boolean;
  durationMs: number;
  /** Cache key of a layer step. */
  key?: Digest;
  /** Why the cache missed. */
  reasons?: string[];
}

export interface BuildResult {
  /** Undefined for a dry run. */
  imageId?: Digest;
  manifestDigest?: Digest;
  /** True when layers of the image are only in a registry: the manifest is stored, no tag is. */
  remoteOnly?: boolean;
  tags: string[];
  /** Stage labels in Dockerfile order, as steps name them ("" for an unnamed last stage). */
  stages: string[];
  steps: StepReport[];
  warnings: string[];
}
