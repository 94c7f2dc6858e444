import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { errnoCode, writeFileAtomic, type Digest } from "@strata/core";
import type { StatIdentity } from "./stat-identity.js";
import { decodeStatCache, encodeStatCache, type StatCacheColumns, type TreeMemo } from "./stat-cache-file.js";

/** Numbers kept per path: size, mtime ms, ctime ms, inode, device. */
const FIELDS = 5;
/** Tree checksums remembered per context; the least recently used beyond this are forgotten. */
const MAX_MEMOS = 64;

interface Changed {
  stats: [number, number, number, number, number];
  /** Hex digest; "" when the file was hashed but is racy (forget what was remembered). */
  hex: string;
}

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
 * What was loaded stays in the file's own columns (see stat-cache-file.ts); this build's changes
 * sit beside them until `save` merges both.
 */
export class StatCache {
  #loaded: StatCacheColumns = { paths: [], stats: new Float64Array(0), digests: Buffer.alloc(0), memos: {} };
  #memos: Record<string, TreeMemo> = {};
  #memosChanged = false;
  /** path → row in the loaded columns. */
  readonly #rows = new Map<string, number>();
  #seenRows = new Uint8Array(0);
  readonly #changed = new Map<string, Changed>();

  private constructor(
    private readonly file: string,
    private readonly contextDir: string,
    private readonly maxEntries: number,
  ) {}

  /** Load the cache file once; a missing, corrupt or foreign file gives an empty cache. */
  static async load(file: string, contextDir: string, maxEntries = 500_000): Promise<StatCache> {
    const cache = new StatCache(file, contextDir, maxEntries);
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(file); // one read: blocking beats a thread-pool round trip here
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
    const columns = bytes && decodeStatCache(bytes, contextDir);
    if (columns) {
      cache.#loaded = columns;
      columns.paths.forEach((p, i) => cache.#rows.set(p, i));
      cache.#seenRows = new Uint8Array(columns.paths.length);
      cache.#memos = { ...columns.memos };
    }
    return cache;
  }

  /** How many files have a remembered digest. */
  get size(): number {
    let n = 0;
    for (const rel of this.#rows.keys()) if (!this.#changed.has(rel)) n++;
    for (const c of this.#changed.values()) if (c.hex !== "") n++;
    return n;
  }

  /** The remembered digest, when every stat field still matches. */
  get(rel: string, st: StatIdentity): Digest | undefined {
    const changed = this.#changed.get(rel);
    if (changed) return this.#matches(changed, st) ? `sha256:${changed.hex}` : undefined;
    const row = this.#matchingRow(rel, st);
    return row === undefined ? undefined : `sha256:${this.#loaded.digests.toString("hex", row * 32, row * 32 + 32)}`;
  }

  /** Like `get`, but writes the digest's 32 bytes to `out` at `offset`: a warm check makes no strings. */
  copyDigest(rel: string, st: StatIdentity, out: Uint8Array, offset: number): boolean {
    const changed = this.#changed.get(rel);
    if (changed) return this.#matches(changed, st) && Buffer.from(changed.hex, "hex").copy(out, offset) === 32;
    const row = this.#matchingRow(rel, st);
    if (row === undefined) return false;
    copyDigestBytes(this.#loaded.digests, row * 32, out, offset);
    return true;
  }

  #matches(changed: Changed, st: StatIdentity): boolean {
    const s = changed.stats;
    return changed.hex !== "" && s[0] === st.size && s[1] === st.mtimeMs && s[2] === st.ctimeMs && s[3] === st.ino && s[4] === st.dev;
  }

  #matchingRow(rel: string, st: StatIdentity): number | undefined {
    const row = this.#rows.get(rel);
    if (row === undefined) return undefined;
    this.#seenRows[row] = 1;
    const s = this.#loaded.stats;
    const at = row * FIELDS;
    const match = s[at] === st.size && s[at + 1] === st.mtimeMs && s[at + 2] === st.ctimeMs && s[at + 3] === st.ino && s[at + 4] === st.dev;
    return match ? row : undefined;
  }

  /** The checksum remembered under `key` (see ContextHasher), marked as used now. */
  memo(key: string): TreeMemo | undefined {
    const found = this.#memos[key];
    // Marked at most hourly, so that a build that changed nothing writes nothing.
    if (found && Date.now() - found.used > 3_600_000) {
      found.used = Date.now();
      this.#memosChanged = true;
    }
    return found;
  }

  setMemo(key: string, fingerprint: string, digest: string): void {
    this.#memos[key] = { fingerprint, digest, used: Date.now() };
    this.#memosChanged = true;
  }

  /**
   * Remember `digest` for the stat taken *before* the content was read. `readStartMs` is the wall
   * clock when reading began; an entry whose ctime is within timestamp granularity of it is racy.
   * Returns whether it was remembered (false: racy).
   */
  set(rel: string, st: StatIdentity, digest: Digest, readStartMs: number): boolean {
    const racy = st.ctimeMs + granularityMs(st.ctimeMs) >= readStartMs;
    if (racy && !this.#changed.has(rel) && !this.#rows.has(rel)) return false;
    this.#changed.set(rel, { stats: [st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev], hex: racy ? "" : digest.slice(7) });
    return !racy;
  }

  /**
   * Persist atomically (temp file + rename); concurrent writers cannot corrupt it, the last one wins.
   * `dropUnseen` (the whole context was walked) forgets files that are gone or ignored.
   */
  async save(opts: { dropUnseen?: boolean } = {}): Promise<void> {
    const keepUnseen = !opts.dropUnseen && this.#rows.size + this.#changed.size <= this.maxEntries;
    const unseenRows = this.#seenRows.length - this.#seenRows.reduce((n, seen) => n + seen, 0);
    if (this.#changed.size === 0 && !this.#memosChanged && (keepUnseen || unseenRows === 0)) return;
    const kept: number[] = [];
    for (const [rel, row] of this.#rows) {
      if (!this.#changed.has(rel) && (keepUnseen || this.#seenRows[row] === 1)) kept.push(row);
    }
    const added = [...this.#changed].filter(([, c]) => c.hex !== "");
    const rows = kept.length + added.length;
    const paths: string[] = new Array(rows);
    const stats = new Float64Array(rows * FIELDS);
    const digests = Buffer.allocUnsafe(rows * 32);
    const { paths: loadedPaths, stats: loadedStats, digests: loadedDigests } = this.#loaded;
    kept.forEach((row, i) => {
      paths[i] = loadedPaths[row]!;
      for (let f = 0; f < FIELDS; f++) stats[i * FIELDS + f] = loadedStats[row * FIELDS + f]!;
      copyDigestBytes(loadedDigests, row * 32, digests, i * 32);
    });
    added.forEach(([rel, c], j) => {
      const i = kept.length + j;
      paths[i] = rel;
      stats.set(c.stats, i * FIELDS);
      digests.write(c.hex, i * 32, 32, "hex");
    });
    await mkdir(path.dirname(this.file), { recursive: true });
    const memos = Object.fromEntries(
      Object.entries(this.#memos)
        .sort(([, a], [, b]) => b.used - a.used)
        .slice(0, MAX_MEMOS),
    );
    const bytes = encodeStatCache(this.contextDir, { paths, stats, digests, memos });
    // Not fsynced: the cache is advisory (a lost or torn file only means re-hashing).
    await writeFileAtomic(this.file, bytes, { durable: false });
  }
}

/** 32 bytes, by hand: Buffer#copy's argument checks cost more than the copy (10 ms vs 4 ms per 20,000). */
function copyDigestBytes(from: Uint8Array, fromAt: number, to: Uint8Array, toAt: number): void {
  for (let i = 0; i < 32; i++) to[toAt + i] = from[fromAt + i]!;
}

/** A generous kernel tick for fine timestamps; two seconds when the file system keeps whole seconds. */
function granularityMs(ctimeMs: number): number {
  return ctimeMs % 1000 === 0 ? 2000 : 50;
}
