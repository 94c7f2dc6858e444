import { rm } from "node:fs/promises";
import { SnapshotLayout } from "./layout.js";
import { MetadataStore } from "./metadata.js";

/** Label of a snapshot that holds nothing but one unpacked image layer (re-made from its blob on demand). */
export const UNPACK_LABEL = "strata.io/unpack";

/**
 * Lets a root change driver while it holds only unpacked image layers, which is what `strata load`
 * leaves behind: those are caches of layer blobs in the content store, so they are dropped and
 * the new driver unpacks again when a build needs them. A root holding anything else (build
 * results, containers, snapshots being made) keeps its driver, as Docker keeps its graph driver.
 */
export async function releaseDriverIfOnlyUnpacked(root: string, wanted: "overlay" | "native"): Promise<void> {
  const layout = new SnapshotLayout(root);
  const store = new MetadataStore(layout.metadataFile);
  const recorded = (await store.read()).driver;
  if (recorded === undefined || recorded === wanted) return;
  const dropped = await store.update((doc) => {
    if (doc.driver === undefined || doc.driver === wanted) return [];
    const records = Object.values(doc.snapshots);
    if (!records.every((r) => r.kind === "committed" && r.labels[UNPACK_LABEL] !== undefined)) return [];
    doc.snapshots = {};
    delete doc.driver;
    return records.map((r) => r.id);
  });
  // The metadata no longer names them; a directory left here by a crash is an orphan for cleanup().
  await Promise.all(dropped.map((id) => rm(layout.dir(id), { recursive: true, force: true }).catch(() => {})));
}
