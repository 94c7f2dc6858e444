import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode, writeFileAtomic, type Digest } from "@strata/core";
import type { StatIdentity } from "./stat-identity.js";

const FORMAT = "strata.stat-cache.v2";
/** Numbers kept per path: size, mtime ms, ctime ms, inode, device. */
const FIELDS = 5;

/**
 * Remembers each context file's content digest by its stat identity (size, mtime, ctime, inode,
 * device), so an unchanged file is verified with an lstat alone.
 *
 * ctime is what makes this safe where BuildKit is not (moby/buildkit#2592): a user can restore
 * mtime with utimes(2) after rewriting a file with the same size, but every write and every
 * utimes call sets ctime to "now", which nobody can set back. Timestamps are coarse (one kernel
 * tick; one second on some filesystems), so a file changed within a tick of being hashed could
 * keep its ctime: such "racy" entries are not remembered until their ctime is safely in the past
 * (git's racy-clean rule).
 *
 * The cache is advisory: a wrong or stale file can only cause extra hashing, never a wrong digest.
 * On disk it is one JSON document of three parallel columns (paths, numbers, digests), which
 * parses several times faster than one small array per file.
 */
export class StatCache {
  /** path → slot in the columns. */
  readonly #slots = new Map<string, number>();
  #stats: number[] = [];
  readonly #digests: string[] = [];
  readonly #seen = new Set<string>();
  #dirty = false;

  private constructor(
    private readonly file: string,
    private readonly contextDir: string,
    private readonly maxEntries: number,
  ) {}

  /** Load the cache file once; a missing, corrupt or foreign file gives an empty cache. */
  static async load(file: string, contextDir: string, maxEntries = 500_000): Promise<StatCache> {
    const cache = new StatCache(file, contextDir, maxEntries);
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT" && !(e instanceof SyntaxError)) throw e;
    }
    if (isDocument(doc, contextDir)) {
      cache.#stats = doc.stats;
      doc.paths.forEach((p, i) => {
        cache.#slots.set(p, i);
        cache.#digests.push(doc.digests.slice(i * 64, i * 64 + 64));
      });
    }
    return cache;
  }

  get size(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (this.#digests[slot] !== "") n++;
    return n;
  }

  /** The remembered digest, when every stat field still matches. */
  get(rel: string, st: StatIdentity): Digest | undefined {
    this.#seen.add(rel);
    const slot = this.#slots.get(rel);
    if (slot === undefined || this.#digests[slot] === "") return undefined;
    const at = slot * FIELDS;
    const s = this.#stats;
    const match = s[at] === st.size && s[at + 1] === st.mtimeMs && s[at + 2] === st.ctimeMs && s[at + 3] === st.ino && s[at + 4] === st.dev;
    return match ? `sha256:${this.#digests[slot]}` : undefined;
  }

  /**
   * Remember `digest` for the stat taken *before* the content was read. `readStartMs` is the wall
   * clock when reading began; an entry whose ctime is within timestamp granularity of it is racy.
   */
  set(rel: string, st: StatIdentity, digest: Digest, readStartMs: number): void {
    this.#seen.add(rel);
    let slot = this.#slots.get(rel);
    const racy = st.ctimeMs + granularityMs(st.ctimeMs) >= readStartMs;
    if (racy && slot === undefined) return;
    if (slot === undefined) {
      slot = this.#digests.length;
      this.#slots.set(rel, slot);
      this.#digests.push("");
    }
    this.#stats.splice(slot * FIELDS, FIELDS, st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev);
    this.#digests[slot] = racy ? "" : digest.slice(7);
    this.#dirty = true;
  }

  /**
   * Persist atomically (temp file + rename); concurrent writers cannot corrupt it, the last one wins.
   * `dropUnseen` (the whole context was walked) forgets files that are gone or ignored.
   */
  async save(opts: { dropUnseen?: boolean } = {}): Promise<void> {
    const keepUnseen = !opts.dropUnseen && this.#slots.size <= this.maxEntries;
    if (!this.#dirty && (keepUnseen || this.#seen.size === this.#slots.size)) return;
    const paths: string[] = [];
    const stats: number[] = [];
    let digests = "";
    for (const [rel, slot] of this.#slots) {
      if (this.#digests[slot] === "" || (!keepUnseen && !this.#seen.has(rel))) continue;
      paths.push(rel);
      for (let i = 0; i < FIELDS; i++) stats.push(this.#stats[slot * FIELDS + i]!);
      digests += this.#digests[slot];
    }
    await mkdir(path.dirname(this.file), { recursive: true });
    // Not fsynced: the cache is advisory (a lost or torn file only means re-hashing).
    await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, contextDir: this.contextDir, paths, stats, digests }), { durable: false });
    this.#dirty = false;
  }
}

/** A generous kernel tick for fine timestamps; two seconds when the file system keeps whole seconds. */
function granularityMs(ctimeMs: number): number {
  return ctimeMs % 1000 === 0 ? 2000 : 50;
}

interface Document {
  paths: string[];
  stats: number[];
  digests: string;
}

/** Buffer's hex decoder stops at the first non-hex pair: several times faster than a regex on 1.3 MB. */
function isLowerHex(s: string): boolean {
  return Buffer.from(s, "hex").length * 2 === s.length && s === s.toLowerCase();
}

function isDocument(v: unknown, contextDir: string): v is Document {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Partial<Document> & { format?: unknown; contextDir?: unknown };
  return (
    d.format === FORMAT &&
    d.contextDir === contextDir &&
    Array.isArray(d.paths) &&
    Array.isArray(d.stats) &&
    typeof d.digests === "string" &&
    d.stats.length === d.paths.length * FIELDS &&
    d.digests.length === d.paths.length * 64 &&
    isLowerHex(d.digests) &&
    d.paths.every((p) => typeof p === "string") &&
    d.stats.every((n) => typeof n === "number")
  );
}
