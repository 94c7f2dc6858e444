import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat as fsStat } from "node:fs/promises";
import path from "node:path";
import { StrataError, errnoCode, type Mount } from "@strata/core";
import type { SnapshotInfo, Snapshotter, Usage } from "../types.js";
import { SnapshotLayout, TEMP_PREFIX } from "./layout.js";
import { MetadataStore, chainRecords, getRecord, hasChildren, toInfo, type SnapshotRecord } from "./metadata.js";
import { removeOrphans } from "./orphans.js";
import { teardownsDone } from "../mount/teardown.js";

/** What differs between drivers; everything else (metadata, lifecycle, errors) is shared. */
export interface SnapshotDriver {
  readonly name: "overlay" | "native";
  /**
   * Fills a new snapshot directory (not yet visible to anyone). Runs outside the metadata lock.
   * `labels` are the new snapshot's, `parent` its parent's record and files.
   */
  populate(dir: string, kind: "active" | "view", parent: ParentSnapshot | undefined, labels: Readonly<Record<string, string>>): Promise<void>;
  /** Mounts of an active or view snapshot; `chain` is its record followed by its ancestors', nearest first. */
  mounts(layout: SnapshotLayout, rec: SnapshotRecord, chain: readonly SnapshotRecord[]): Mount[];
  /** The directories a committed snapshot's files are in, nearest first (see Snapshotter.layerDirs). */
  layerDirs(layout: SnapshotLayout, chain: readonly SnapshotRecord[]): string[];
  /** Bytes and inodes the snapshot holds itself, parents excluded. */
  usage(ownFs: string, parentFs: string | undefined, rec: SnapshotRecord): Promise<Usage>;
}

type Labels = { labels?: Record<string, string> };

export interface ParentSnapshot {
  fs: string;
  labels: Readonly<Record<string, string>>;
}

export async function createSnapshotterWith(root: string, driver: SnapshotDriver): Promise<Snapshotter> {
  const layout = new SnapshotLayout(root);
  await mkdir(layout.snapshotsDir, { recursive: true });
  const store = new MetadataStore(layout.metadataFile);
  checkDriver(layout, (await store.read()).driver, driver.name);

  async function create(kind: "active" | "view", key: string, parent: string | undefined, opts: Labels = {}): Promise<Mount[]> {
    checkKey(key);
    const before = await store.read();
    if (before.snapshots[key]) throw alreadyExists(key);
    const parentRec = parent === undefined ? undefined : committedParent(before.snapshots, parent);
    const parentId = parentRec?.id;

    const tmp = path.join(layout.snapshotsDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
    inFlight.add(tmp);
    let placed = false;
    try {
      await mkdir(tmp);
      const parentSnapshot = parentRec && { fs: layout.fsDir(parentRec.id), labels: parentRec.labels };
      await driver.populate(tmp, kind, parentSnapshot, { ...opts.labels });
      return await store.update(async (doc) => {
        if (doc.snapshots[key]) throw alreadyExists(key);
        if (parent !== undefined && committedParent(doc.snapshots, parent).id !== parentId) {
          throw new StrataError("FAILED_PRECONDITION", `snapshot ${JSON.stringify(parent)}: replaced while preparing ${JSON.stringify(key)}`);
        }
        checkDriver(layout, doc.driver, driver.name);
        doc.driver = driver.name;
        const id = await freeId(layout, doc.nextId);
        await rename(tmp, layout.dir(id));
        placed = true;
        doc.nextId = Number(id) + 1;
        const now = new Date().toISOString();
        const rec: SnapshotRecord = { id, kind, labels: { ...opts.labels }, created: now, updated: now };
        if (parent !== undefined) rec.parent = parent;
        doc.snapshots[key] = rec;
        return driver.mounts(layout, rec, chainRecords(doc, key));
      });
    } finally {
      inFlight.delete(tmp);
      // Once renamed into place there is nothing left to remove (and a round trip to skip).
      if (!placed) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    }
  }

  return {
    driver: driver.name,
    prepare: (key, parent, opts) => create("active", key, parent, opts),
    view: (key, parent, opts) => create("view", key, parent, opts),

    async mounts(key) {
      const doc = await store.read();
      const rec = getRecord(doc, key);
      if (rec.kind === "committed") {
        throw new StrataError("FAILED_PRECONDITION", `snapshot ${JSON.stringify(key)}: committed snapshots have no mounts`, {
          hint: "use view(key, parent) to read a committed snapshot",
        });
      }
      return driver.mounts(layout, rec, chainRecords(doc, key));
    },

    async commit(name, key, opts = {}) {
      checkKey(name);
      await store.update((doc) => {
        const rec = getRecord(doc, key);
        if (rec.kind !== "active") {
          throw new StrataError("FAILED_PRECONDITION", `snapshot ${JSON.stringify(key)}: is ${rec.kind}, only active snapshots can be committed`);
        }
        if (doc.snapshots[name]) throw alreadyExists(name);
        delete doc.snapshots[key];
        const labels = { ...rec.labels, ...opts.labels };
        doc.snapshots[name] = { ...rec, kind: "committed", labels, updated: new Date().toISOString() };
      });
    },

    async remove(key) {
      const id = await store.update((doc) => {
        const rec = getRecord(doc, key);
        if (hasChildren(doc, key)) {
          throw new StrataError("FAILED_PRECONDITION", `snapshot ${JSON.stringify(key)}: has children`, {
            hint: "remove the snapshots built on it first",
          });
        }
        delete doc.snapshots[key];
        return rec.id;
      });
      // The metadata is committed; a directory left behind here is an orphan for cleanup().
      await teardownsDone(); // it may still be an upper being unmounted
      await rm(layout.dir(id), { recursive: true, force: true }).catch(() => {});
    },

    async stat(key) {
      return toInfo(key, getRecord(await store.read(), key));
    },

    async layerDirs(key) {
      const doc = await store.read();
      const rec = getRecord(doc, key);
      if (rec.kind !== "committed") {
        throw new StrataError("FAILED_PRECONDITION", `snapshot ${JSON.stringify(key)}: is ${rec.kind}, only committed snapshots have layer dirs`);
      }
      return driver.layerDirs(layout, chainRecords(doc, key));
    },

    async usage(key) {
      const doc = await store.read();
      const rec = getRecord(doc, key);
      const parentFs = rec.parent === undefined ? undefined : layout.fsDir(getRecord(doc, rec.parent).id);
      return driver.usage(layout.fsDir(rec.id), parentFs, rec);
    },

    async walk(fn: (info: SnapshotInfo) => void | Promise<void>) {
      const doc = await store.read();
      for (const key of Object.keys(doc.snapshots).sort()) await fn(toInfo(key, doc.snapshots[key]!));
    },

    cleanup: () => removeOrphans(layout, store, inFlight),
  };
}

/** Temp directories of creations still running in this process (any instance). */
const inFlight = new Set<string>();

/** An overlay snapshot holds only its changes, a native one a full copy: never mix them. */
function checkDriver(layout: SnapshotLayout, recorded: string | undefined, wanted: string): void {
  if (recorded !== undefined && recorded !== wanted) {
    throw new StrataError("FAILED_PRECONDITION", `snapshots in ${layout.snapshotsDir} were made by the ${recorded} driver, not ${wanted}`, {
      hint: `open this root with the ${recorded} driver, or use another root`,
    });
  }
}

function checkKey(key: string): void {
  if (typeof key !== "string" || key === "") throw new StrataError("INVALID_ARGUMENT", "snapshot key must be a non-empty string");
}

function alreadyExists(key: string): StrataError {
  return new StrataError("ALREADY_EXISTS", `snapshot ${JSON.stringify(key)}: already exists`);
}

function committedParent(snapshots: Record<string, SnapshotRecord>, parent: string): SnapshotRecord {
  const rec = snapshots[parent];
  if (!rec) throw new StrataError("NOT_FOUND", `parent snapshot ${JSON.stringify(parent)}: not found`);
  if (rec.kind !== "committed") {
    throw new StrataError("FAILED_PRECONDITION", `parent snapshot ${JSON.stringify(parent)}: is ${rec.kind}, must be committed`);
  }
  return rec;
}

/** The first id from `next` whose directory does not exist (a crash can leave one behind). */
async function freeId(layout: SnapshotLayout, next: number): Promise<string> {
  for (let n = next; ; n++) {
    try {
      await fsStat(layout.dir(String(n)));
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return String(n);
      throw e;
    }
  }
}
