import { chainIds, isAlreadyExists, isNotFound, randomHex, StrataError, type Descriptor, type Digest } from "@strata/core";
import type { Applier, Snapshotter } from "../types.js";

export interface UnpackLayersOptions {
  snapshotter: Snapshotter;
  applier: Applier;
  layers: readonly Descriptor[];
  /** Uncompressed digests from the image config, one per layer. */
  diffIds: readonly Digest[];
  signal?: AbortSignal;
}

/**
 * Makes sure a committed snapshot named chainID(L1..Li) exists for every layer, applying the
 * missing ones on top of their parent, and returns the top chainID (undefined for no layers).
 * Each applied layer's diffID is verified before its snapshot is committed.
 */
export async function unpackLayers(opts: UnpackLayersOptions): Promise<string | undefined> {
  const { snapshotter, applier, layers, diffIds } = opts;
  if (layers.length !== diffIds.length) {
    throw new StrataError("INVALID_ARGUMENT", `${layers.length} layers but ${diffIds.length} diffIDs`);
  }
  const chain = chainIds(diffIds);
  let parent: string | undefined;
  for (let i = 0; i < layers.length; i++) {
    opts.signal?.throwIfAborted();
    const name = chain[i]!;
    if (!(await isCommitted(snapshotter, name))) {
      const key = `extract-${randomHex(8)}-${name}`;
      const mounts = await snapshotter.prepare(key, parent, { labels: { "strata.io/unpack": name } });
      try {
        const { diffId } = await applier.apply(layers[i]!, mounts, { signal: opts.signal });
        if (diffId !== diffIds[i]) {
          throw new StrataError("DIGEST_MISMATCH", `layer ${layers[i]!.digest}: diffID ${diffId}, config says ${diffIds[i]}`);
        }
        await snapshotter.commit(name, key);
      } catch (e) {
        await snapshotter.remove(key).catch(() => {});
        if (!isAlreadyExists(e)) throw e; // someone else committed the same chain meanwhile
      }
    }
    parent = name;
  }
  return parent;
}

async function isCommitted(s: Snapshotter, name: string): Promise<boolean> {
  try {
    const info = await s.stat(name);
    if (info.kind !== "committed") {
      throw new StrataError("FAILED_PRECONDITION", `snapshot ${name} exists but is ${info.kind}, not committed`);
    }
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
