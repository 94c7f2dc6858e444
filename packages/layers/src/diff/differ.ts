import { MediaType, overlayOption, randomHex, type Digest, type Mount } from "@strata/core";
import { withMounted } from "../mount/index.js";
import type { CompareOptions, Differ, LayerBlob } from "../types.js";
import type { Change } from "./change.js";
import type { LayerContentStore, LayerContentWriter } from "./content.js";
import { layerTar } from "./layer-tar.js";
import { listingsReadOnce, overlayUpper, plainLower, plainUpper } from "./tree-sources.js";
import { TreeDiff, type LowerSource } from "./tree-diff.js";
import { forcedHardlinks, surveyUpper } from "./hardlink-groups.js";
import { stackedLower } from "./stacked-lower.js";

/**
 * The read-only mounts of what a writable overlay mount sits on (its lowerdirs), or undefined
 * when `upper` is not one. The differ reads those directories without mounting them, so
 * diffing against them needs no view snapshot.
 */
export function overlayLowerMounts(upper: readonly Mount[]): Mount[] | undefined {
  const lowerdir = overlayOption(upper, "upperdir") === undefined ? undefined : overlayOption(upper, "lowerdir");
  return lowerdir === undefined ? undefined : [{ type: "overlay", source: "overlay", options: [`lowerdir=${lowerdir}`] }];
}

/** The layer directories (nearest first) of a read-only overlay or bind lower, readable without a mount. */
function lowerLayerDirs(lower: readonly Mount[]): string[] | undefined {
  if (lower.length === 1 && lower[0]!.type === "bind" && lower[0]!.options.includes("ro")) return [lower[0]!.source];
  if (lower.length !== 1 || lower[0]!.options.length !== 1) return undefined; // a read-only overlay has only lowerdir
  return overlayOption(lower, "lowerdir")?.split(":");
}

/**
 * Changes from `lower` to `upper`, in layer order. With an overlay upper only its upperdir
 * is walked (cost follows the size of the change; the lower is read only at the paths the
 * upperdir names, straight from its layer directories when it is an overlay stack);
 * otherwise both trees are walked (`lower` = [] makes everything an add).
 * `fn` runs while the trees are mounted.
 */
export async function withChanges<T>(
  lower: readonly Mount[],
  upper: readonly Mount[],
  fn: (changes: AsyncIterable<Change>) => Promise<T>,
): Promise<T> {
  const withLower = <R>(g: (dir: string | undefined) => Promise<R>): Promise<R> =>
    lower.length === 0 ? g(undefined) : withMounted(lower, g);
  const upperdir = overlayOption(upper, "upperdir");
  // Without a lower to compare with, the lowerdirs' content is part of the change: walk the view.
  const hasLowerdirs = overlayOption(upper, "lowerdir") !== undefined;
  if (upperdir !== undefined && (lower.length > 0 || !hasLowerdirs)) {
    const { source: walked, rootOpaque } = await overlayUpper(upperdir);
    if (lower.length === 0) return fn(new TreeDiff(walked, undefined).changes(upperdir, rootOpaque));
    const source = listingsReadOnce(walked);
    const survey = await surveyUpper(source, upperdir, rootOpaque);
    const diff = async (lowerSource: LowerSource) => {
      const forced = await forcedHardlinks(survey, lowerSource);
      return fn(new TreeDiff(source, lowerSource, forced).changes(upperdir, rootOpaque));
    };
    const layerDirs = lowerLayerDirs(lower);
    if (layerDirs) return diff(await stackedLower(layerDirs, survey.dirs));
    return withLower(async (lowerDir) => diff(await plainLower(lowerDir!, false)));
  }
  return withLower((lowerDir) =>
    withMounted(upper, async (upperDir) => {
      const [walked, lowerSource] = await Promise.all([
        plainUpper(upperDir),
        lowerDir === undefined ? undefined : plainLower(lowerDir, true),
      ]);
      if (!lowerSource) return fn(new TreeDiff(walked, undefined).changes(upperDir, true));
      const upperSource = listingsReadOnce(walked);
      const forced = await forcedHardlinks(await surveyUpper(upperSource, upperDir, true), lowerSource);
      return fn(new TreeDiff(upperSource, lowerSource, forced).changes(upperDir, true));
    }),
  );
}

/** A Differ that writes uncompressed, deterministic OCI layer tars into `content`. */
export function createDiffer(content: LayerContentStore): Differ {
  return {
    compare(lower, upper, opts: CompareOptions = {}) {
      return withChanges(lower, upper, (changes) => writeLayer(content, changes, opts));
    },
  };
}

/**
 * Streams the layer for `changes` into the store. The content writer hashes while it writes,
 * so its committed digest is the diffID: the layer is hashed once, in the same pass.
 */
export async function writeLayer(
  content: LayerContentStore,
  changes: AsyncIterable<Change>,
  opts: CompareOptions = {},
): Promise<LayerBlob> {
  let count = 0;
  async function* counted(): AsyncGenerator<Change> {
    for await (const c of changes) {
      count++;
      yield c;
    }
  }
  const blob = (b: { digest: Digest; size: number }): LayerBlob => ({
    descriptor: { mediaType: MediaType.ociLayer, digest: b.digest, size: b.size },
    diffId: b.digest,
    empty: count === 0,
  });
  // A small layer (most COPY and RUN steps) is held in memory and stored in one blocking put;
  // the streaming writer starts only once a layer outgrows that.
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let writer: LayerContentWriter | undefined;
  try {
    for await (const chunk of layerTar(counted(), opts)) {
      if (writer) {
        await writer.write(chunk);
        continue;
      }
      head.push(chunk);
      headBytes += chunk.length;
      if (content.put === undefined || headBytes > SMALL_LAYER) {
        writer = await content.writer({ ref: `layer-${randomHex(8)}` });
        for (const c of head.splice(0)) await writer.write(c);
      }
    }
    if (writer) return blob(await writer.commit());
    return blob(await content.put!(Buffer.concat(head)));
  } catch (e) {
    await writer?.abort().catch(() => {});
    throw e;
  }
}

/** Layers up to this size are written from memory in one piece (see writeLayer). */
const SMALL_LAYER = 64 * 1024;
