import type { CacheRecord, CacheStore } from "./cache-store.js";

export interface PruneOptions {
  /** Keep at most this many layer bytes (counted once per shared result). */
  keepBytes?: number;
  /** Drop keys not used for this many milliseconds. */
  olderThan?: number;
  now?: Date;
}

/**
 * Choose the records to drop, least recently used first. Keys that share a result (same snapshot
 * or layer) are one unit for `keepBytes`: its bytes are counted once, and freed only when all its
 * keys go. Nothing is deleted here: the caller deletes the records and then the snapshots and
 * blobs no remaining record or image uses.
 */
export async function pruneCache(store: CacheStore, opts: PruneOptions = {}): Promise<CacheRecord[]> {
  const now = (opts.now ?? new Date()).getTime();
  const records = await store.list();
  const drop = new Set<CacheRecord>();
  if (opts.olderThan !== undefined) {
    for (const r of records) if (now - Date.parse(r.lastUsed) > opts.olderThan) drop.add(r);
  }
  if (opts.keepBytes !== undefined) {
    const units = new Map<string, { records: CacheRecord[]; bytes: number; lastUsed: number }>();
    for (const r of records) {
      if (drop.has(r)) continue;
      const id = r.snapshot ?? r.layer?.digest ?? r.key;
      const unit = units.get(id) ?? { records: [], bytes: r.layer?.size ?? 0, lastUsed: 0 };
      unit.records.push(r);
      unit.lastUsed = Math.max(unit.lastUsed, Date.parse(r.lastUsed));
      units.set(id, unit);
    }
    let total = [...units.values()].reduce((sum, u) => sum + u.bytes, 0);
    for (const unit of [...units.values()].sort((a, b) => a.lastUsed - b.lastUsed)) {
      if (total <= opts.keepBytes) break;
      for (const r of unit.records) drop.add(r);
      total -= unit.bytes;
    }
  }
  return records.filter((r) => drop.has(r)).sort((a, b) => Date.parse(a.lastUsed) - Date.parse(b.lastUsed));
}
