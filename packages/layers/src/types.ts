import type { Descriptor, Digest, Mount } from "@strata/core";

/**
 * Snapshotter, in containerd's model. Keys (active/view) and names (committed) share one
 * namespace. Lifecycle: `prepare(key, parent)` → mutate through the returned mounts →
 * `commit(name, key)` (the key disappears, the name is committed) or `remove(key)`.
 * Committed snapshots of image layers are named by the layer chainID, so identical layer
 * stacks share one snapshot. A committed snapshot cannot be removed while it has children.
 */
export type SnapshotKind = "active" | "view" | "committed";

export interface SnapshotInfo {
  kind: SnapshotKind;
  name: string;
  parent?: string;
  labels: Record<string, string>;
  created: string;
}

/** Bytes and inodes the snapshot itself holds, parents excluded. */
export interface Usage {
  size: number;
  inodes: number;
}

export interface Snapshotter {
  readonly driver: "overlay" | "native";
  prepare(key: string, parent?: string, opts?: { labels?: Record<string, string> }): Promise<Mount[]>;
  view(key: string, parent?: string, opts?: { labels?: Record<string, string> }): Promise<Mount[]>;
  mounts(key: string): Promise<Mount[]>;
  commit(name: string, key: string, opts?: { labels?: Record<string, string> }): Promise<void>;
  remove(key: string): Promise<void>;
  /** NOT_FOUND when absent. */
  stat(key: string): Promise<SnapshotInfo>;
  /**
   * The directories a committed snapshot's files are in, nearest first, for reading without a
   * view (an overlay chain's layer dirs, whiteouts and all; a native snapshot's one full copy).
   */
  layerDirs(key: string): Promise<string[]>;
  usage(key: string): Promise<Usage>;
  walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void>;
  /** Removes directories no metadata refers to (after a crash). */
  cleanup(): Promise<void>;
}

export interface CompareOptions {
  /** Clamp mtimes to this (seconds since the epoch), as SOURCE_DATE_EPOCH does. */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
}

/** The layer a compare produced: uncompressed tar, so digest === diffID. */
export interface LayerBlob {
  descriptor: Descriptor;
  diffId: Digest;
  /** True when the change set was empty. */
  empty: boolean;
}

export interface Differ {
  /** Writes the diff between `lower` and `upper` as a deterministic OCI layer tar into the content store. */
  compare(lower: Mount[], upper: Mount[], opts?: CompareOptions): Promise<LayerBlob>;
}

export interface Applier {
  /** Unpacks a layer (tar, gzip or zstd) onto the mounts, converting OCI whiteouts; returns the diffID. */
  apply(layer: Descriptor, mounts: Mount[], opts?: { signal?: AbortSignal }): Promise<{ diffId: Digest }>;
}
