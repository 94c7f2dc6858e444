import type { Change } from "./change.js";
import { compareNames, joinRel, WHITEOUT_PREFIX } from "./change.js";
import { sameMeta, type FileMeta } from "./file-meta.js";
import type { Xattrs } from "./xattrs.js";

/** One real child of a directory in the upper tree. */
export interface UpperEntry {
  name: string;
  /** Host path the bytes and metadata are read from. */
  source: string;
  meta: FileMeta;
  /** Overlay only: the directory hides everything below it in the lower tree. */
  opaque: boolean;
}

export interface UpperListing {
  entries: UpperEntry[];
  /** Overlay only: names deleted in this directory (char device 0/0 in the upperdir). */
  whiteouts: Set<string>;
  /** True when `entries` is the whole directory of the upper view (nothing shows through from below). */
  complete: boolean;
}

/** Where the upper tree comes from: a plain directory (native) or an overlay upperdir. */
export interface UpperSource {
  list(rel: string, source: string, complete: boolean): Promise<UpperListing>;
}

/** The lower (parent) tree, read through a plain directory. */
export interface LowerSource {
  meta(rel: string): Promise<FileMeta | undefined>;
  names(rel: string): Promise<string[]>;
  /** Layer xattrs of several lower paths (only asked for when everything else is equal). */
  xattrs(rels: string[]): Promise<Map<string, Xattrs>>;
}

interface Pending {
  change: Change & { kind: "add" | "modify" };
  /** Its own metadata changed: emit it even if nothing below it did. */
  changed: boolean;
  emitted: boolean;
}

/**
 * The change walk both sources share: one decision function, so overlay and native produce
 * the same layer for the same pair of trees. Rules:
 * - a path only in upper (or with another type) is an add, with its whole subtree;
 * - a non-directory in both is a modify when `sameMeta` says they differ;
 * - a path only in lower is ONE delete (its subtree is not visited);
 * - a directory is emitted when its own metadata changed or anything below it did;
 * - a directory in both whose lower children are ALL gone (and there was at least one) is
 *   opaque: the directory is emitted with `.wh..wh..opq` and its children are adds, instead of
 *   one whiteout per lower child. This is exactly what overlay records for `rm -rf d; mkdir d`.
 */
export class TreeDiff {
  readonly #upper: UpperSource;
  readonly #lower: LowerSource | undefined;
  readonly #stack: Pending[] = [];
  readonly #forced: ReadonlySet<string>;

  /** `forced`: files written even when unchanged (other names of a changed hardlinked inode). */
  constructor(upper: UpperSource, lower: LowerSource | undefined, forced: ReadonlySet<string> = new Set()) {
    this.#upper = upper;
    this.#lower = lower;
    this.#forced = forced;
  }

  async *changes(upperRoot: string, rootComplete: boolean): AsyncGenerator<Change> {
    const listing = await this.#upper.list("", upperRoot, rootComplete);
    if (!this.#lower) yield* this.#addChildren("", listing);
    else yield* this.#diffDir("", listing, undefined);
  }

  *#flush(): Generator<Change> {
    for (const p of this.#stack) {
      if (!p.emitted) {
        p.emitted = true;
        yield p.change;
      }
    }
  }

  async *#emit(change: Change): AsyncGenerator<Change> {
    yield* this.#flush();
    yield change;
  }

  async *#addEntry(rel: string, e: UpperEntry, kind: "add" | "modify"): AsyncGenerator<Change> {
    yield* this.#emit({ kind, path: rel, source: e.source, meta: e.meta });
    if (e.meta.type !== "dir") return;
    yield* this.#addChildren(rel, await this.#upper.list(rel, e.source, true));
  }

  async *#addChildren(rel: string, listing: UpperListing): AsyncGenerator<Change> {
    for (const c of listing.entries) yield* this.#addEntry(joinRel(rel, c.name), c, "add");
  }

  /** `self` is the pending entry of this directory (undefined for the root). */
  async *#diffDir(rel: string, listing: UpperListing, self: Pending | undefined): AsyncGenerator<Change> {
    const lower = this.#lower!;
    const names = new Set(listing.entries.map((e) => e.name));
    let lowerNames: string[] | undefined;
    if (listing.complete || listing.whiteouts.size > 0) lowerNames = await lower.names(rel);
    if (self && lowerNames && lowerNames.length > 0) {
      const gone = listing.complete
        ? lowerNames.every((n) => !names.has(n))
        : lowerNames.every((n) => listing.whiteouts.has(n) && !names.has(n));
      if (gone) {
        self.change.opaque = true;
        yield* this.#flush();
        yield* this.#addChildren(rel, listing);
        return;
      }
    }
    if (self?.changed) yield* this.#flush();

    const deleted = lowerNames ? lowerNames.filter((n) => !names.has(n) && (listing.complete || listing.whiteouts.has(n))) : [];
    const lowerMetas = await Promise.all(listing.entries.map((e) => lower.meta(joinRel(rel, e.name))));
    const xattrAsk: string[] = [];
    listing.entries.forEach((e, i) => {
      const lm = lowerMetas[i];
      if (lm && lm.type === e.meta.type && sameMeta(lm, e.meta, false)) xattrAsk.push(joinRel(rel, e.name));
    });
    const lowerXattrs = xattrAsk.length > 0 ? await lower.xattrs(xattrAsk) : new Map<string, Xattrs>();

    type Item = { key: string; entry?: UpperEntry; lowerMeta?: FileMeta; deleted?: string };
    const items: Item[] = listing.entries.map((e, i) => ({ key: e.name, entry: e, lowerMeta: lowerMetas[i] }));
    for (const d of deleted) items.push({ key: WHITEOUT_PREFIX + d, deleted: d });
    items.sort((a, b) => compareNames(a.key, b.key));

    for (const it of items) {
      if (it.deleted !== undefined) {
        yield* this.#emit({ kind: "delete", path: joinRel(rel, it.deleted) });
        continue;
      }
      const e = it.entry!;
      const childRel = joinRel(rel, e.name);
      let lm = it.lowerMeta;
      if (lm && lowerXattrs.has(childRel)) lm = { ...lm, xattrs: lowerXattrs.get(childRel)! };
      if (!lm || lm.type !== e.meta.type) {
        yield* this.#addEntry(childRel, e, lm ? "modify" : "add");
      } else if (e.meta.type === "dir") {
        const change = { kind: "modify" as const, path: childRel, source: e.source, meta: e.meta };
        const node: Pending = { change, changed: !sameMeta(lm, e.meta), emitted: false };
        this.#stack.push(node);
        const childListing = await this.#upper.list(childRel, e.source, listing.complete || e.opaque);
        yield* this.#diffDir(childRel, childListing, node);
        this.#stack.pop();
      } else if (!sameMeta(lm, e.meta) || this.#forced.has(childRel)) {
        yield* this.#emit({ kind: "modify", path: childRel, source: e.source, meta: e.meta });
      }
    }
  }
}
