import { MediaType, randomHex, type Mount } from "@strata/core";
import { withMounted } from "../mount/index.js";
import type { CompareOptions, Differ, LayerBlob } from "../types.js";
import type { Change } from "./change.js";
import type { LayerContentStore } from "./content.js";
import { layerTar } from "./layer-tar.js";
import { listingsReadOnce, overlayUpper, plainLower, plainUpper } from "./tree-sources.js";
import { TreeDiff } from "./tree-diff.js";
import { forcedHardlinks } from "./hardlink-groups.js";

/** The upperdir of a single overlay mount, or undefined. */
export function overlayUpperdir(mounts: readonly Mount[]): string | undefined {
  if (mounts.length !== 1 || mounts[0]!.type !== "overlay") return undefined;
  return mounts[0]!.options.find((o) => o.startsWith("upperdir="))?.slice("upperdir=".length);
}

/**
 * Changes from `lower` to `upper`, in layer order. With an overlay upper only its upperdir
 * is walked (cost follows the size of the change; the lower is read only at the paths the
 * upperdir names); otherwise both trees are walked (`lower` = [] makes everything an add).
 * `fn` runs while the trees are mounted.
 */
export async function withChanges<T>(
  lower: readonly Mount[],
  upper: readonly Mount[],
  fn: (changes: AsyncIterable<Change>) => Promise<T>,
): Promise<T> {
  const withLower = <R>(g: (dir: string | undefined) => Promise<R>): Promise<R> =>
    lower.length === 0 ? g(undefined) : withMounted(lower, g);
  const upperdir = overlayUpperdir(upper);
  // Without a lower to compare with, the lowerdirs' content is part of the change: walk the view.
  const hasLowerdirs = upper[0]?.options.some((o) => o.startsWith("lowerdir=")) ?? false;
  if (upperdir !== undefined && (lower.length > 0 || !hasLowerdirs)) {
    return withLower(async (lowerDir) => {
      const { source: walked, rootOpaque } = await overlayUpper(upperdir);
      const lowerSource = lowerDir === undefined ? undefined : await plainLower(lowerDir, false);
      const source = lowerSource ? listingsReadOnce(walked) : walked;
      const forced = await forcedHardlinks(source, upperdir, rootOpaque, lowerSource);
      return fn(new TreeDiff(source, lowerSource, forced).changes(upperdir, rootOpaque));
    });
  }
  return withLower((lowerDir) =>
    withMounted(upper, async (upperDir) => {
      const [walked, lowerSource] = await Promise.all([
        plainUpper(upperDir),
        lowerDir === undefined ? undefined : plainLower(lowerDir, true),
      ]);
      const upperSource = lowerSource ? listingsReadOnce(walked) : walked;
      const forced = await forcedHardlinks(upperSource, upperDir, true, lowerSource);
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
  const writer = await content.writer({ ref: `layer-${randomHex(8)}` });
  try {
    for await (const chunk of layerTar(counted(), opts)) await writer.write(chunk);
    const { digest, size } = await writer.commit();
    return { descriptor: { mediaType: MediaType.ociLayer, digest, size }, diffId: digest, empty: count === 0 };
  } catch (e) {
    await writer.abort().catch(() => {});
    throw e;
  }
}
