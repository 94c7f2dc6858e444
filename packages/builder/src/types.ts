import type { Digest, ProgressSink } from "@strata/core";
import type { Applier, Differ, Snapshotter } from "@strata/layers";
import type { Runner } from "@strata/runner";
import type { Store } from "@strata/store";

/** The engine parts a build runs on; the CLI wires real implementations in. */
export interface BuildEnv {
  store: Store;
  snapshotter: Snapshotter;
  differ: Differ;
  applier: Applier;
  runner: Runner & { cleanup?(): Promise<void> };
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
}

export interface BuildResult {
  imageId: Digest;
  manifestDigest: Digest;
  tags: string[];
  steps: StepReport[];
  warnings: string[];
}
