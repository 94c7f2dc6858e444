import { isNotFound } from "@strata/core";
import { layerDirsOf, type ContainerRecord } from "@strata/runner";
import type { GlobalOptions } from "../../engine.js";
import { containerInspect } from "../../inspect/container.js";
import { openContainers } from "./service.js";

/**
 * A lookup for `inspect`: the container named `ref` in Docker's inspect shape, or undefined
 * when there is no such container (then `inspect` tries images).
 */
export async function containerInspector(globals: GlobalOptions, withSize: boolean): Promise<(ref: string) => Promise<unknown>> {
  const svc = await openContainers(globals);
  return async (ref) => {
    let rec: ContainerRecord;
    try {
      rec = await svc.get(ref);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const mounts = await svc.files.layerMounts(rec).catch(() => undefined);
    let size: { rw: number; rootFs: number } | undefined;
    if (withSize) {
      const { imageSize } = await import("../../image-size.js");
      const { readImage } = await import("@strata/store");
      const rw = await svc.files.size(rec);
      const image = await readImage(svc.store, rec.imageId).catch(() => undefined);
      size = { rw, rootFs: rw + (image ? await imageSize(svc.store, image) : 0) };
    }
    return containerInspect(rec, { layout: svc.layout, layerDirs: mounts ? layerDirsOf(mounts) : undefined, size });
  };
}
