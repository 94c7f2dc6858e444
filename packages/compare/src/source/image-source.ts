import type { Digest, ImageConfig } from "@strata/core";
import type { LayerIndex } from "../layer/entry.js";
import type { Step } from "./steps.js";

export type Transport = "store" | "docker-archive" | "oci-archive" | "oci";

export interface ImageLayer {
  /** The blob as the source stores it (possibly compressed). */
  digest: Digest;
  size: number;
  mediaType: string;
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  /** The layer with everything below it. */
  chainId: Digest;
}

/** One image to explain or compare, wherever it is; layer contents are read only when asked for. */
export interface ImageSource {
  /** As the user named it. */
  ref: string;
  transport: Transport;
  /** A tag of the image, when the source gives one. */
  name?: string;
  /** The image ID (config digest). */
  id: Digest;
  manifestDigest?: Digest;
  config: ImageConfig;
  layers: ImageLayer[];
  steps: Step[];
  /** What layer `i` writes (read once per diffID, shared with other sources of one run). */
  layerIndex(i: number): Promise<LayerIndex>;
  /** Docker's DiffSize of layer `i`. */
  layerSize(i: number): Promise<number>;
  /** Per history entry, the image in the store whose top it is (undefined: built elsewhere). */
  stepImages(): Promise<(Digest | undefined)[]>;
  /** Per history entry, the cache key the build recorded for it. */
  stepKeys(): Promise<(Digest | undefined)[]>;
}

/** Reads each distinct layer (by diffID) once per run, whichever image asks first. */
export class LayerReader {
  readonly #indexes = new Map<Digest, Promise<LayerIndex>>();

  read(diffId: Digest, load: () => Promise<LayerIndex>): Promise<LayerIndex> {
    let p = this.#indexes.get(diffId);
    if (!p) {
      p = load();
      this.#indexes.set(diffId, p);
    }
    return p;
  }
}
