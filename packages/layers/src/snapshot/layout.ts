import path from "node:path";
import { StrataError } from "@strata/core";

/**
 * Where a snapshotter keeps things under its root:
 *
 *   <root>/snapshots/metadata.json        all snapshot metadata (plus metadata.json.lock)
 *   <root>/snapshots/<id>/fs              the snapshot's files (overlay: its upper dir)
 *   <root>/snapshots/<id>/work            overlay workdir (active overlay snapshots only)
 *   <root>/snapshots/new-<pid>-<rand>/    a snapshot being created, renamed to <id> when done
 *
 * Ids are short decimal numbers so a long `lowerdir=` list fits in one mount-option page.
 */
export class SnapshotLayout {
  readonly root: string;
  readonly snapshotsDir: string;
  readonly metadataFile: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    // ',' separates mount options and ':' separates overlay layers; neither can be escaped.
    if (/[,:]/.test(this.root)) {
      throw new StrataError("INVALID_ARGUMENT", `snapshot root ${this.root}: must not contain ',' or ':'`);
    }
    this.snapshotsDir = path.join(this.root, "snapshots");
    this.metadataFile = path.join(this.snapshotsDir, "metadata.json");
  }

  dir(id: string): string {
    return path.join(this.snapshotsDir, id);
  }

  fsDir(id: string): string {
    return path.join(this.snapshotsDir, id, "fs");
  }

  workDir(id: string): string {
    return path.join(this.snapshotsDir, id, "work");
  }
}

export const TEMP_PREFIX = "new-";
export const isSnapshotId = (name: string): boolean => /^[0-9]+$/.test(name);
