import type { Digest, ProgressSink } from "@strata/core";
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
  tags: string[];
  /** Stage labels in Dockerfile order, as steps name them ("" for an unnamed last stage). */
  stages: string[];
  steps: StepReport[];
  warnings: string[];
}
