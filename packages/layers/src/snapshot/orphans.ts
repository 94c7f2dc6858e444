import { processAlive } from "@strata/core";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { TEMP_PREFIX, isSnapshotId, type SnapshotLayout } from "./layout.js";
import type { MetadataStore } from "./metadata.js";

/**
 * Deletes what no metadata refers to: snapshot directories whose id is unknown (a crash
 * between rename and metadata write, or a failed delete after remove), temp directories of
 * creations whose process is gone, and stray temp metadata files. Active snapshots are left
 * alone: whoever prepared them removes them.
 */
export async function removeOrphans(layout: SnapshotLayout, store: MetadataStore, inFlight: ReadonlySet<string>): Promise<void> {
  // List under the lock so a creation cannot be between its rename and its metadata write.
  const doomed = await store.locked(async (doc) => {
    const known = new Set(Object.values(doc.snapshots).map((r) => r.id));
    const out: string[] = [];
    for (const entry of await readdir(layout.snapshotsDir)) {
      const full = path.join(layout.snapshotsDir, entry);
      if (isSnapshotId(entry) ? !known.has(entry) : isAbandonedTemp(entry, full, inFlight)) out.push(full);
      else if (entry.startsWith(".metadata.json.") && entry.endsWith(".tmp")) out.push(full);
    }
    return out;
  });
  // Ids are never reused, so deleting outside the lock cannot hit a new snapshot.
  for (const p of doomed) await rm(p, { recursive: true, force: true });
}

function isAbandonedTemp(entry: string, full: string, inFlight: ReadonlySet<string>): boolean {
  if (!entry.startsWith(TEMP_PREFIX)) return false;
  const pid = Number.parseInt(entry.slice(TEMP_PREFIX.length), 10);
  if (pid === process.pid) return !inFlight.has(full);
  return !Number.isInteger(pid) || !processAlive(pid);
}
