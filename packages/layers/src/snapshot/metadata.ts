import { readFileSync } from "node:fs";
import { StrataError, errnoCode, writeFileAtomic } from "@strata/core";
import type { SnapshotInfo, SnapshotKind } from "../types.js";
import { withFileLock } from "./file-lock.js";
import { Mutex } from "./mutex.js";

/** One snapshot as stored: `id` names its directory, `snapshots/<id>`; never the user's key. */
export interface SnapshotRecord {
  id: string;
  kind: SnapshotKind;
  parent?: string;
  labels: Record<string, string>;
  created: string;
  updated: string;
}

export interface MetadataDocument {
  version: 1;
  /** The driver that wrote the snapshots; the directories of one cannot be read by the other. */
  driver?: "overlay" | "native";
  /** Next directory id. Only grows, so a removed snapshot's id is never reused. */
  nextId: number;
  /** Keyed by key (active, view) or name (committed): one namespace. */
  snapshots: Record<string, SnapshotRecord>;
}

const emptyDocument = (): MetadataDocument => ({ version: 1, nextId: 1, snapshots: {} });

/**
 * The snapshot metadata: one JSON file replaced atomically. Readers never lock (they see a
 * whole old or whole new file); writers serialise through an in-process mutex and a lock
 * file shared with other processes, and always re-read under the lock.
 */
export class MetadataStore {
  readonly #file: string;
  readonly #lockFile: string;
  readonly #mutex = new Mutex();

  constructor(file: string) {
    this.#file = file;
    this.#lockFile = `${file}.lock`;
  }

  async read(): Promise<MetadataDocument> {
    let text: string;
    try {
      text = readFileSync(this.#file, "utf8"); // small: a blocking read beats a thread-pool round trip
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return emptyDocument();
      throw e;
    }
    const doc = JSON.parse(text) as MetadataDocument;
    if (doc.version !== 1) {
      throw new StrataError("FAILED_PRECONDITION", `${this.#file}: unsupported metadata version ${doc.version}`);
    }
    return doc;
  }

  /**
   * Runs `fn` on a fresh copy of the document under the write lock. The document is written
   * back only when `fn` returns normally; a throw leaves the file untouched.
   */
  update<T>(fn: (doc: MetadataDocument) => Promise<T> | T): Promise<T> {
    return this.locked(async (doc) => {
      const result = await fn(doc);
      await writeFileAtomic(this.#file, JSON.stringify(doc, null, 1) + "\n");
      return result;
    });
  }

  /** Runs `fn` on a fresh copy of the document under the write lock, without writing it back. */
  locked<T>(fn: (doc: MetadataDocument) => Promise<T> | T): Promise<T> {
    return this.#mutex.run(() => withFileLock(this.#lockFile, async () => fn(await this.read())));
  }
}

export function getRecord(doc: MetadataDocument, key: string): SnapshotRecord {
  const rec = doc.snapshots[key];
  if (!rec) throw new StrataError("NOT_FOUND", `snapshot ${JSON.stringify(key)}: not found`);
  return rec;
}

export function toInfo(name: string, rec: SnapshotRecord): SnapshotInfo {
  const info: SnapshotInfo = { kind: rec.kind, name, labels: { ...rec.labels }, created: rec.created };
  if (rec.parent !== undefined) info.parent = rec.parent;
  return info;
}

/** Directory ids of `key` and its ancestors, nearest first. */
export function chainIds(doc: MetadataDocument, key: string): string[] {
  return chainRecords(doc, key).map((r) => r.id);
}

/** The records of `key` and its ancestors, nearest first. */
export function chainRecords(doc: MetadataDocument, key: string): SnapshotRecord[] {
  const records: SnapshotRecord[] = [];
  for (let k: string | undefined = key; k !== undefined; k = doc.snapshots[k]?.parent) {
    records.push(getRecord(doc, k));
  }
  return records;
}

export function hasChildren(doc: MetadataDocument, key: string): boolean {
  return Object.values(doc.snapshots).some((r) => r.parent === key);
}
