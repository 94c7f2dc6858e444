import type { Readable } from "node:stream";
import type { Digest } from "@strata/core";

/**
 * The part of `@strata/store`'s `ContentStore` that diffing and applying use. Declared here
 * structurally so `layers` needs no build-time dependency on `store`; any `ContentStore`
 * satisfies it.
 */
export interface LayerContentWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(expected?: { digest?: Digest; size?: number }): Promise<{ digest: Digest; size: number }>;
  abort(): Promise<void>;
}

export interface LayerContentStore {
  writer(opts: { ref: string }): Promise<LayerContentWriter>;
  /** Stores bytes already in memory (a small layer); without it, small layers go through `writer`. */
  put?(data: Uint8Array): Promise<{ digest: Digest; size: number }>;
  read(digest: Digest): Readable;
}
