import type { Digest } from "@strata/core";
import type { ImageSource } from "../source/image-source.js";
import { flatten } from "../tree/flatten.js";

export interface WastedCopy {
  path: string;
  bytes: number;
  how: "overwritten" | "deleted";
  /** The step whose layer wrote the copy… */
  wroteStep: number;
  wroteLayer: number;
  /** …and the step whose layer overwrote or deleted it. */
  byStep: number;
  byLayer: number;
}

export interface LayerWaste {
  layer: number;
  step: number;
  createdBy: string;
  digest: Digest;
  /** DiffSize of the layer. */
  size: number;
  /** Bytes of this layer's files that later layers made obsolete. */
  wasted: number;
  /** Bytes of lower layers' files this layer made obsolete. */
  superseded: number;
}

export interface AnalyzeReport {
  image: { ref: string; transport: string; name?: string; id: Digest; layers: number };
  /** Σ DiffSize of all layers. */
  totalBytes: number;
  /** Bytes of the final filesystem. */
  finalBytes: number;
  /** Bytes carried for nothing: every superseded copy once, never the copy that remains. */
  wastedBytes: number;
  /** finalBytes / totalBytes (1 for an empty image). */
  efficiency: number;
  /** dive's "user" bytes: every layer but the first. */
  userBytes: number;
  /** wastedBytes / userBytes, a ratio (0 when there are no user bytes). */
  userWastedPercent: number;
  layers: LayerWaste[];
  /** Largest first. */
  wasted: WastedCopy[];
}

/**
 * Waste analysis: stacks the layers and counts each copy a later layer overwrote or deleted,
 * attributed to the step that wrote it and the step that superseded it. Since every byte of
 * every layer either survives or is superseded exactly once, totalBytes = finalBytes +
 * wastedBytes holds exactly (dive counts the surviving copy too: dive#684).
 */
export async function analyzeImage(img: ImageSource): Promise<AnalyzeReport> {
  const indexes = [];
  for (let i = 0; i < img.layers.length; i++) indexes.push(await img.layerIndex(i));
  const tree = flatten(indexes);
  const stepOf = img.steps.flatMap((s) => (s.layer === undefined ? [] : [s.index]));
  const wasted: WastedCopy[] = tree.superseded
    .map((s) => ({ path: s.path, bytes: s.bytes, how: s.how, wroteStep: stepOf[s.layer]!, wroteLayer: s.layer, byStep: stepOf[s.by]!, byLayer: s.by }))
    .sort((x, y) => y.bytes - x.bytes || (x.path < y.path ? -1 : 1));
  const layers: LayerWaste[] = indexes.map((idx, i) => ({
    layer: i,
    step: stepOf[i]!,
    createdBy: img.steps[stepOf[i]!]!.createdBy,
    digest: img.layers[i]!.digest,
    size: idx.diffSize,
    wasted: tree.superseded.filter((s) => s.layer === i).reduce((x, s) => x + s.bytes, 0),
    superseded: tree.superseded.filter((s) => s.by === i).reduce((x, s) => x + s.bytes, 0),
  }));
  const totalBytes = layers.reduce((x, l) => x + l.size, 0);
  const wastedBytes = wasted.reduce((x, w) => x + w.bytes, 0);
  const userBytes = totalBytes - (layers[0]?.size ?? 0);
  return {
    image: { ref: img.ref, transport: img.transport, ...(img.name ? { name: img.name } : {}), id: img.id, layers: img.layers.length },
    totalBytes,
    finalBytes: tree.bytes,
    wastedBytes,
    efficiency: totalBytes === 0 ? 1 : tree.bytes / totalBytes,
    userBytes,
    userWastedPercent: userBytes === 0 ? 0 : wastedBytes / userBytes,
    layers,
    wasted,
  };
}
