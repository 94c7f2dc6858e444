import { chainIds, isAlreadyExists, isNotFound, randomHex, StrataError, type Descriptor, type Digest } from "@strata/core";
import type { Applier, Snapshotter } from "../types.js";
import { UNPACK_LABEL } from "../snapshot/driver-switch.js";

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
    await once(snapshotter, name, async () => {
      if (await isCommitted(snapshotter, name)) return;
      const key = `extract-${randomHex(8)}-${name}`;
      const mounts = await snapshotter.prepare(key, parent, { labels: { [UNPACK_LABEL]: name } });
      try {
        const { diffId } = await applier.apply(layers[i]!, mounts, { signal: opts.signal });
        if (diffId !== diffIds[i]) {
          throw new StrataError("DIGEST_MISMATCH", `layer ${layers[i]!.digest}: diffID ${diffId}, config says ${diffIds[i]}`);
        }
        await snapshotter.commit(name, key);
      } catch (e) {
        await snapshotter.remove(key).catch(() => {});
        if (!isAlreadyExists(e)) throw e; // another process committed the same chain meanwhile
      }
    });
    parent = name;
  }
  return parent;
}

/** Unpacks running in this process, per snapshotter and chainID. */
const running = new WeakMap<Snapshotter, Map<string, Promise<void>>>();

/**
 * Runs `unpack` for `name` unless an unpack of the same chain is already running in this
 * process, in which case it waits for that one: parallel stages FROM one image would otherwise
 * each extract every layer, and all but one would throw their work away.
 */
async function once(snapshotter: Snapshotter, name: string, unpack: () => Promise<void>): Promise<void> {
  let byName = running.get(snapshotter);
  if (!byName) running.set(snapshotter, (byName = new Map()));
  const pending = byName.get(name);
  if (pending) return pending;
  const started = unpack().finally(() => byName.delete(name));
  byName.set(name, started);
  return started;
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
