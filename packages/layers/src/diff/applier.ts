import { lstat } from "node:fs/promises";
import path from "node:path";
import { Hasher, overlayOption, type Mount } from "@strata/core";
import { withMounted } from "../mount/index.js";
import type { Applier } from "../types.js";
import { applyLayer, type ApplyLayerOptions } from "./apply-layer.js";
import type { LayerContentStore } from "./content.js";
import { decompressed } from "./decompress.js";
import { readTar } from "./tar-reader.js";

/**
 * An Applier reading layers from `content`. A single overlay mount is written straight into
 * its upperdir with overlay's whiteouts (no mount needed); anything else is applied to the
 * mounted directory with whiteouts as removals. Returns the diffID of the uncompressed stream
 * (the whole stream, end marker and trailing bytes included); the caller verifies it.
 */
export function createApplier(content: LayerContentStore): Applier {
  return {
    async apply(layer, mounts, opts = {}) {
      const hasher = new Hasher();
      async function* hashed(): AsyncGenerator<Buffer> {
        for await (const c of decompressed(content.read(layer.digest))) {
          hasher.update(c);
          yield c;
        }
      }
      const stream = hashed();
      const run = async (root: string, o: ApplyLayerOptions) => {
        await applyLayer(root, readTar(stream), o);
        for await (const _ of stream); // drain padding after the end marker into the hash
      };
      const upperdir = overlayOption(mounts, "upperdir");
      if (upperdir !== undefined) {
        await run(upperdir, { whiteouts: "overlay", parentTemplate: lowerTemplate(mounts), signal: opts.signal });
      } else {
        await withMounted(mounts, (dir) => run(dir, { whiteouts: "plain", signal: opts.signal }));
      }
      return { diffId: hasher.digest() };
    },
  };
}

/** Missing parents in an upperdir copy the metadata of the first lower layer that has the directory. */
function lowerTemplate(mounts: readonly Mount[]): ApplyLayerOptions["parentTemplate"] {
  const lowers = overlayOption(mounts, "lowerdir")?.split(":") ?? [];
  return async (rel) => {
    for (const dir of lowers) {
      try {
        const st = await lstat(path.join(dir, rel));
        if (st.isDirectory()) return st;
        return undefined;
      } catch {
        // not in this layer
      }
    }
    return undefined;
  };
}
