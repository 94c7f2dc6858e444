import path from "node:path";
import { StrataError } from "@strata/core";
import type { Snapshotter } from "../types.js";
import { overlayAvailable } from "../mount/overlay-probe.js";
import { SnapshotLayout } from "./layout.js";
import { MetadataStore } from "./metadata.js";
import { createNativeSnapshotter } from "./native.js";
import { createOverlaySnapshotter } from "./overlay.js";
import { releaseDriverIfOnlyUnpacked } from "./driver-switch.js";

export type SnapshotterDriver = "overlay" | "native";

/**
 * Opens the snapshotter under `root`. Without `driver`: the driver that already made
 * snapshots there, else overlay where it can mount, else native. An explicit "overlay" that
 * cannot mount is an error, never a silent fallback. A root that holds only unpacked image
 * layers (after `strata load`) changes to an explicitly asked-for driver; any other is pinned.
 */
export async function createSnapshotter(root: string, driver?: SnapshotterDriver): Promise<Snapshotter> {
  switch (driver) {
    case "overlay":
      await releaseDriverIfOnlyUnpacked(root, driver);
      return createOverlaySnapshotter(root);
    case "native":
      await releaseDriverIfOnlyUnpacked(root, driver);
      return createNativeSnapshotter(root);
    case undefined: {
      const recorded = (await new MetadataStore(new SnapshotLayout(root).metadataFile).read()).driver;
      if (recorded) return createSnapshotter(root, recorded);
      return (await overlayAvailable(root)) ? createOverlaySnapshotter(root) : createNativeSnapshotter(root);
    }
    default:
      throw new StrataError("INVALID_ARGUMENT", `snapshotter driver ${JSON.stringify(driver)}: unknown (overlay, native)`, {
        detail: { root: path.resolve(root) },
      });
  }
}
