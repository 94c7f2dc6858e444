import type { Digest } from "@strata/core";
import { explainPreimages, type KeyPreimage } from "@strata/cache";
import { ContentComparer } from "../layer/content.js";
import type { LayerIndex } from "../layer/entry.js";
import type { ImageSource } from "../source/image-source.js";
import type { Step } from "../source/steps.js";
import { flatten } from "../tree/flatten.js";
import { alignHistories, splitBuildArgs, type AlignedRow } from "./align.js";
import { diffConfigs, type ConfigChange } from "./config-diff.js";
import { diffLayerWrites, diffTrees, type ChangeKind, type FileChange } from "./file-diff.js";
import { pathFilter } from "./path-filter.js";

export interface CompareOptions {
  /** File mtimes, history times and the config's `created` do not count. */
  ignoreTimestamps?: boolean;
  /** History entries (instruction texts, comments) do not count. */
  ignoreHistory?: boolean;
  /** Only the final filesystem and the config count (implies both ignores; layer boundaries and digests do not count). */
  semantic?: boolean;
  /** Only these paths' files count (Go globs, `**`; a directory selects what is under it). */
  paths?: string[];
  /** The pre-image the build recorded for a step's cache key, to say which inputs differ. */
  preimage?: (key: Digest) => Promise<KeyPreimage | undefined>;
}

export interface ImageSummary {
  ref: string;
  transport: string;
  name?: string;
  id: Digest;
  layers: number;
  /** Σ DiffSize of the layers. */
  size: number;
}

export interface StepRef {
  /** Position in the image's history (0 = oldest). */
  index: number;
  createdBy: string;
  comment: string;
  created?: string;
  empty: boolean;
  /** DiffSize of its layer (0 when metadata-only). */
  size: number;
  layer?: { index: number; digest: Digest; diffId: Digest; chainId: Digest };
}

export interface CompareRow {
  status: AlignedRow["status"];
  sameInstruction: boolean;
  sameLayer: boolean;
  a?: StepRef;
  b?: StepRef;
}

export interface Divergence {
  /** Index into `steps`. */
  row: number;
  a?: StepRef;
  b?: StepRef;
  /** only-a / only-b: a step one image lacks; instruction: other text; build-args: the same RUN with other build args; inputs: the same instruction, another result. */
  reason: "only-a" | "only-b" | "instruction" | "build-args" | "inputs";
  /** Build args (names) whose values differ. */
  buildArgs?: string[];
  /** What the two layers of this step write differently. */
  files?: { path: string; change: "only-a" | "only-b" | "changed"; what: ChangeKind[] }[];
  /** The build records' explanation (the inputs whose checksums differ), when both builds were recorded here. */
  inputs?: string[];
}

export interface CompareReport {
  a: ImageSummary;
  b: ImageSummary;
  identical: boolean;
  /** What made the images different (empty when identical): history, layers, files, config. */
  differences: string[];
  sharedBase: { layers: number; size: number; allOfA: boolean; allOfB: boolean };
  firstDivergence?: Divergence;
  steps: CompareRow[];
  files: { added: number; removed: number; changed: number; changes: FileChange[] };
  config: ConfigChange[];
  /** What a pull of B needs when A's layers are present (matched by content, the diffID). */
  pull: { reusedLayers: number; reusedBytes: number; transferLayers: number; transferBytes: number; transfer: { digest: Digest; diffId: Digest; size: number }[] };
  options: { ignoreTimestamps: boolean; ignoreHistory: boolean; semantic: boolean; paths: string[] };
}

/**
 * Everything about how B differs from A: the shared base, the first divergent step and why,
 * both histories aligned by instruction, the final filesystems' file differences attributed to
 * the steps that wrote them, the config difference, and what a pull of B would reuse.
 */
export async function compareImages(a: ImageSource, b: ImageSource, opts: CompareOptions = {}): Promise<CompareReport> {
  const semantic = opts.semantic ?? false;
  const ignoreTimestamps = semantic || (opts.ignoreTimestamps ?? false);
  const ignoreHistory = semantic || (opts.ignoreHistory ?? false);
  const include = pathFilter(opts.paths ?? []);
  const [sizesA, sizesB] = await Promise.all([layerSizes(a), layerSizes(b)]);
  const [indexA, indexB] = [await layerIndexes(a), await layerIndexes(b)];
  const cmp = new ContentComparer();
  try {
    const ref = (img: ImageSource, sizes: number[]) => (s: Step | undefined): StepRef | undefined => s && stepRef(img, sizes, s);
    const refA = ref(a, sizesA);
    const refB = ref(b, sizesB);
    const aligned = alignHistories(a, b);
    const steps: CompareRow[] = aligned.map((r) => ({ status: r.status, sameInstruction: r.sameInstruction, sameLayer: r.sameLayer, a: refA(r.a), b: refB(r.b) }));

    let shared = 0;
    while (shared < a.layers.length && shared < b.layers.length && a.layers[shared]!.chainId === b.layers[shared]!.chainId) shared++;
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);

    const stepOfLayer = (img: ImageSource) => img.steps.flatMap((s) => (s.layer === undefined ? [] : [s.index]));
    const [treeA, treeB] = [flatten(indexA), flatten(indexB)];
    const changes = diffTrees(treeA, treeB, cmp, { ignoreTimestamps, include, stepOfLayerA: stepOfLayer(a), stepOfLayerB: stepOfLayer(b) });
    const config = diffConfigs(a.config, b.config, { ignoreTimestamps });

    const firstRow = aligned.findIndex((r) => r.status !== "shared");
    const firstDivergence = firstRow < 0 ? undefined : await divergence(firstRow, aligned[firstRow]!, steps[firstRow]!, { a, b, indexA, indexB, cmp, ignoreTimestamps, preimage: opts.preimage });

    const inA = new Set(a.layers.map((l) => l.diffId));
    const transfer = b.layers.filter((l) => !inA.has(l.diffId)).map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size }));
    const reused = b.layers.filter((l) => inA.has(l.diffId));

    const differences: string[] = [];
    if (!ignoreHistory && historyDiffers(aligned, ignoreTimestamps)) differences.push("history");
    if (!semantic && layersDiffer(indexA, indexB, a, b, cmp, ignoreTimestamps)) differences.push("layers");
    if (changes.length) differences.push("files");
    if (config.length) differences.push("config");
    if (differences.length === 0 && a.id !== b.id && !ignoreTimestamps && !ignoreHistory && !semantic && !opts.paths?.length) differences.push("config");

    return {
      a: summary(a, sizesA),
      b: summary(b, sizesB),
      identical: differences.length === 0,
      differences,
      sharedBase: { layers: shared, size: sum(sizesA.slice(0, shared)), allOfA: shared === a.layers.length, allOfB: shared === b.layers.length },
      firstDivergence,
      steps,
      files: {
        added: changes.filter((c) => c.change === "added").length,
        removed: changes.filter((c) => c.change === "removed").length,
        changed: changes.filter((c) => c.change === "changed").length,
        changes,
      },
      config,
      pull: {
        reusedLayers: reused.length,
        reusedBytes: sum(reused.map((l) => l.size)),
        transferLayers: transfer.length,
        transferBytes: sum(transfer.map((l) => l.size)),
        transfer,
      },
      options: { ignoreTimestamps, ignoreHistory, semantic, paths: opts.paths ?? [] },
    };
  } finally {
    cmp.close();
  }
}

const layerSizes = (img: ImageSource) => Promise.all(img.layers.map((_, i) => img.layerSize(i)));

async function layerIndexes(img: ImageSource): Promise<LayerIndex[]> {
  const out: LayerIndex[] = [];
  for (let i = 0; i < img.layers.length; i++) out.push(await img.layerIndex(i));
  return out;
}

function summary(img: ImageSource, sizes: number[]): ImageSummary {
  return { ref: img.ref, transport: img.transport, ...(img.name ? { name: img.name } : {}), id: img.id, layers: img.layers.length, size: sizes.reduce((x, y) => x + y, 0) };
}

function stepRef(img: ImageSource, sizes: number[], s: Step): StepRef {
  const ref: StepRef = { index: s.index, createdBy: s.createdBy, comment: s.comment, ...(s.created ? { created: s.created } : {}), empty: s.empty, size: s.layer === undefined ? 0 : sizes[s.layer]! };
  if (s.layer !== undefined) {
    const l = img.layers[s.layer]!;
    ref.layer = { index: s.layer, digest: l.digest, diffId: l.diffId, chainId: l.chainId };
  }
  return ref;
}

function historyDiffers(rows: AlignedRow[], ignoreTimestamps: boolean): boolean {
  return rows.some((r) => {
    if (!r.a || !r.b) return true;
    if (r.a.createdBy !== r.b.createdBy || r.a.comment !== r.b.comment || r.a.empty !== r.b.empty) return true;
    return !ignoreTimestamps && r.a.created !== r.b.created;
  });
}

/** Layer by layer: other digests count, unless timestamps are ignored and the two layers write the same files otherwise. */
function layersDiffer(ia: LayerIndex[], ib: LayerIndex[], a: ImageSource, b: ImageSource, cmp: ContentComparer, ignoreTimestamps: boolean): boolean {
  if (ia.length !== ib.length) return true;
  return ia.some((la, i) => {
    if (a.layers[i]!.diffId === b.layers[i]!.diffId) return false;
    return !ignoreTimestamps || diffLayerWrites(la, ib[i]!, cmp, true).length > 0;
  });
}

async function divergence(
  row: number,
  r: AlignedRow,
  shown: CompareRow,
  ctx: { a: ImageSource; b: ImageSource; indexA: LayerIndex[]; indexB: LayerIndex[]; cmp: ContentComparer; ignoreTimestamps: boolean; preimage?: (key: Digest) => Promise<KeyPreimage | undefined> },
): Promise<Divergence> {
  const base = { row, ...(shown.a ? { a: shown.a } : {}), ...(shown.b ? { b: shown.b } : {}) };
  if (!r.a) return { ...base, reason: "only-b" };
  if (!r.b) return { ...base, reason: "only-a" };
  const out: Divergence = { ...base, reason: "inputs" };
  if (r.a.createdBy !== r.b.createdBy) {
    const sa = splitBuildArgs(r.a.createdBy);
    const sb = splitBuildArgs(r.b.createdBy);
    if (sa.rest === sb.rest) {
      out.reason = "build-args";
      out.buildArgs = changedArgs(sa.args, sb.args);
    } else out.reason = "instruction";
  }
  if (r.a.layer !== undefined && r.b.layer !== undefined && ctx.a.layers[r.a.layer]!.diffId !== ctx.b.layers[r.b.layer]!.diffId) {
    out.files = diffLayerWrites(ctx.indexA[r.a.layer]!, ctx.indexB[r.b.layer]!, ctx.cmp, ctx.ignoreTimestamps);
  }
  if (ctx.preimage) {
    const [ka, kb] = [(await ctx.a.stepKeys())[r.a.index], (await ctx.b.stepKeys())[r.b.index]];
    if (ka && kb && ka !== kb) {
      const [pa, pb] = await Promise.all([ctx.preimage(ka), ctx.preimage(kb)]);
      if (pa && pb) out.inputs = explainPreimages(pa, pb).filter((s) => s !== "parent step changed");
    }
  }
  return out;
}

/** Names of build args set differently (values are not shown: they may be secrets). */
function changedArgs(a: string[], b: string[]): string[] {
  const map = (xs: string[]) => new Map(xs.map((kv) => [kv.slice(0, Math.max(0, kv.indexOf("=")) || kv.length), kv]));
  const ma = map(a);
  const mb = map(b);
  return [...new Set([...ma.keys(), ...mb.keys()])].filter((k) => ma.get(k) !== mb.get(k)).sort();
}
