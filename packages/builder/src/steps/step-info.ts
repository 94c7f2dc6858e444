import type { Digest } from "@strata/core";

/** What one step learns while it runs: shown in progress, the dry-run report and the metadata file. */
export interface StepInfo {
  /** Progress id ("#3"). */
  id: string;
  /** Stable identity across builds, to explain a miss against the last build of the same step. */
  identity: string;
  /** Whether the result came from the cache. */
  cached: boolean;
  /** The step's cache key, for steps that produce a layer. */
  key?: Digest;
  /** Why the cache missed, when it did. */
  reasons?: string[];
}
