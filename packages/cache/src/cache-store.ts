import { readFileSync, statSync, utimesSync } from "node:fs";
import { mkdir, readdir, rm, utimes } from "node:fs/promises";
import path from "node:path";
import { StrataError, errnoCode, hexOf, isDigest, sha256, writeFileAtomic, type Digest } from "@strata/core";
import { explainPreimages } from "./explain-miss.js";
import { keyOf, type KeyPreimage } from "./step-key.js";

/** What a cache key leads to: the committed result of the step. Several keys may share one result. */
export interface CacheRecord {
  key: Digest;
  /** Name of the committed snapshot holding the step's filesystem. */
  snapshot?: string;
  /** The layer the step produced (absent for metadata-only steps). */
  layer?: { digest: Digest; size: number; mediaType: string };
  diffId?: Digest;
  /** The image-config change the step makes (ENV, WORKDIR, …), as the builder defines it. */
  config?: unknown;
  /** ISO times; `lastUsed` is kept as the record file's mtime. */
  created: string;
  lastUsed: string;
}

/** The fields a caller provides; `key` comes from the argument, times default to now. */
export type CacheRecordInput = Omit<CacheRecord, "key" | "created" | "lastUsed"> & { created?: string; lastUsed?: string };

/**
 * Cache records on disk, one file per key so concurrent builds never contend:
 *
 *   <dir>/<hex>.json          the record of key sha256:<hex>
 *   <dir>/<hex>.pre.json      the key's pre-image (what it is the digest of), to explain misses
 *   <dir>/steps/<hex>.json    the last key seen for a step identity (hex = sha256 of the identity)
 *
 * Every write is a temp file + rename (writeFileAtomic): readers see the old or the new file,
 * never half of one; when two builds save the same key, the last one wins and both are valid.
 * An unreadable record is a miss, never an error: the cache can only cost time, not correctness.
 */
export interface CacheStore {
  readonly dir: string;
  lookup(key: Digest): Promise<CacheRecord | undefined>;
  /** Store a record and the key's pre-image; the pre-image must hash to `key`. */
  save(key: Digest, record: CacheRecordInput, preimage?: KeyPreimage): Promise<CacheRecord>;
  /** Mark a record used now (for LRU pruning); false when there is no such record. */
  touch(key: Digest, now?: Date): Promise<boolean>;
  list(): Promise<CacheRecord[]>;
  /** Remove a record and its pre-image; absent keys are ignored. */
  delete(key: Digest): Promise<void>;
  preimage(key: Digest): Promise<KeyPreimage | undefined>;
  /** Remember `preimage` as the latest for `stepId` (e.g. "Dockerfile#build#3"). */
  rememberStep(stepId: string, preimage: KeyPreimage): Promise<void>;
  /** Why `preimage` misses, compared with the last one remembered for `stepId`; [] when it is the same key. */
  explainMiss(stepId: string, preimage: KeyPreimage): Promise<string[]>;
}

const RECORD_FILE = /^([a-f0-9]{64})\.json$/;

export async function openCacheStore(dir: string): Promise<CacheStore> {
  const root = path.resolve(dir);
  await mkdir(path.join(root, "steps"), { recursive: true });
  const recordPath = (key: Digest): string => path.join(root, `${hexOf(checkKey(key))}.json`);
  const prePath = (key: Digest): string => path.join(root, `${hexOf(checkKey(key))}.pre.json`);
  const stepPath = (stepId: string): string => path.join(root, "steps", `${hexOf(sha256(stepId))}.json`);

  /** The record file's mtime is its last-used time: `touch` is one utimes(2), never a rewrite. */
  const lookup = async (key: Digest): Promise<CacheRecord | undefined> => {
    const file = recordPath(key);
    const doc = readJSON(file);
    if (!isRecord(doc) || doc.key !== key) return undefined;
    const st = statSync(file, { throwIfNoEntry: false });
    return { ...doc, lastUsed: st ? st.mtime.toISOString() : doc.lastUsed };
  };

  const preimagesWritten = new Set<Digest>();
  const writePreimage = async (key: Digest, preimage: KeyPreimage): Promise<void> => {
    if (keyOf(preimage) !== key) {
      throw new StrataError("INVALID_ARGUMENT", `cache key ${key}: the pre-image given hashes to ${keyOf(preimage)}`);
    }
    if (preimagesWritten.has(key)) return; // save() and rememberStep() of one step share it
    await writeFileAtomic(prePath(key), JSON.stringify(preimage), ADVISORY);
    preimagesWritten.add(key);
  };

  const store: CacheStore = {
    dir: root,
    lookup,
    async save(key, input, preimage) {
      const now = new Date().toISOString();
      for (const t of [input.created, input.lastUsed]) {
        if (t !== undefined && Number.isNaN(Date.parse(t))) throw new StrataError("INVALID_ARGUMENT", `cache record ${key}: bad time ${t}`);
      }
      const record: CacheRecord = { ...input, key: checkKey(key), created: input.created ?? now, lastUsed: input.lastUsed ?? now };
      if (preimage) await writePreimage(key, preimage);
      await writeFileAtomic(recordPath(key), JSON.stringify(record), ADVISORY);
      const used = new Date(record.lastUsed);
      await utimes(recordPath(key), used, used);
      return record;
    },
    async touch(key, now = new Date()) {
      // A rewrite could race with another build's save of the same key and undo it; utimes cannot.
      try {
        utimesSync(recordPath(key), now, now);
        return true;
      } catch (e) {
        if (errnoCode(e) === "ENOENT") return false;
        throw e;
      }
    },
    async list() {
      const names = await readdir(root);
      const records = await Promise.all(
        names.map((n) => RECORD_FILE.exec(n)?.[1]).filter((h): h is string => h !== undefined).map((h) => lookup(`sha256:${h}`)),
      );
      return records.filter((r): r is CacheRecord => r !== undefined);
    },
    async delete(key) {
      await rm(recordPath(key), { force: true });
      await rm(prePath(key), { force: true });
      preimagesWritten.delete(key);
    },
    async preimage(key) {
      const doc = readJSON(prePath(key));
      return isPreimage(doc) && keyOf(doc) === key ? doc : undefined;
    },
    async rememberStep(stepId, preimage) {
      const key = keyOf(preimage);
      await writePreimage(key, preimage);
      await writeFileAtomic(stepPath(stepId), JSON.stringify({ stepId, key, at: new Date().toISOString() }), ADVISORY);
    },
    async explainMiss(stepId, preimage) {
      const doc = readJSON(stepPath(stepId));
      const last = typeof doc === "object" && doc !== null ? (doc as { stepId?: unknown; key?: unknown }) : undefined;
      if (!last || last.stepId !== stepId || typeof last.key !== "string" || !isDigest(last.key)) {
        return ["no earlier build of this step"];
      }
      if (last.key === keyOf(preimage)) return [];
      const prev = await store.preimage(last.key);
      if (!prev) return [`earlier key ${last.key.slice(0, 19)}… was pruned; no details`];
      const reasons = explainPreimages(prev, preimage);
      return reasons.length > 0 ? reasons : ["the step's inputs changed"];
    },
  };
  return store;
}

/**
 * Cache files are renamed into place but not fsynced: a record lost or torn by a crash reads
 * as a miss (readJSON, isRecord), never as a wrong result, and the step just runs again.
 */
const ADVISORY = { durable: false } as const;

function checkKey(key: Digest): Digest {
  if (!isDigest(key)) throw new StrataError("INVALID_ARGUMENT", `not a cache key: ${String(key)}`);
  return key;
}

/**
 * Records are small: blocking reads here beat the four thread-pool round trips of an async
 * readFile (0.2–1 ms each on a loaded host), on every cached step.
 */
function readJSON(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

function isRecord(v: unknown): v is CacheRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Partial<CacheRecord>;
  return typeof r.key === "string" && isDigest(r.key) && typeof r.created === "string" && typeof r.lastUsed === "string";
}

function isPreimage(v: unknown): v is KeyPreimage {
  if (typeof v !== "object" || v === null) return false;
  const p = v as Partial<KeyPreimage>;
  return typeof p.v === "number" && typeof p.kind === "string" && typeof p.definition === "object" && p.definition !== null;
}
