import { readdirSync } from "node:fs";
import path from "node:path";
import { StrataError, errnoCode, readXattrTree, readXattrs, type XattrLookup } from "@strata/core";
import { compareNames } from "./change.js";
import { isWhiteoutDevice, readMetaSync, type FileMeta } from "./file-meta.js";
import type { LowerSource, UpperEntry, UpperListing, UpperSource } from "./tree-diff.js";
import { layerXattrs, NO_XATTRS } from "./xattrs.js";

function sortedNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort(compareNames);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return [];
    throw e;
  }
}

function entryOf(dir: string, name: string, xattrsOf: XattrLookup): UpperEntry & { all?: Map<string, Buffer> } {
  const source = path.join(dir, name);
  const all = xattrsOf(source);
  const meta = readMetaSync(source, layerXattrs(all));
  if (!meta) throw new StrataError("FAILED_PRECONDITION", `${source} vanished while computing a diff`);
  return { name, source, meta, opaque: false, all };
}

/** A plain directory as the upper tree: every child is real and the listing is complete. */
export async function plainUpper(root: string): Promise<UpperSource> {
  const xattrsOf = await readXattrTree(root);
  return {
    async list(_rel, dir) {
      const names = sortedNames(dir);
      const entries = names.map((n) => entryOf(dir, n, xattrsOf));
      return { entries: entries.filter((e) => e.meta.type !== "socket"), whiteouts: new Set(), complete: true };
    },
  };
}

const OVERLAY_XATTR = "trusted.overlay.";
/**
 * What fuse-overlayfs leaves in an opaque directory besides the `trusted.overlay.opaque` xattr
 * it also sets: a `.wh..wh..opq` file and a `.wh..opq` whiteout. Neither is a file of the tree
 * (a layer tar could not even name them as files).
 */
const FUSE_OPAQUE_MARKERS = new Set([".wh..wh..opq", ".wh..opq"]);
const isY = (v: Buffer | undefined): boolean => v !== undefined && v.length === 1 && v[0] === 0x79;

/**
 * An overlay upperdir as the upper tree: char devices 0/0 are deletions,
 * `trusted.overlay.opaque=y` makes a directory's listing complete. Redirects and metacopy
 * need the lower layers to read, so they are refused (strata mounts without them).
 */
export async function overlayUpper(upperdir: string): Promise<{ source: UpperSource; rootOpaque: boolean }> {
  const xattrsOf = await readXattrTree(upperdir);
  const source: UpperSource = {
    async list(_rel, dir, complete): Promise<UpperListing> {
      const names = sortedNames(dir);
      const all = names.map((n) => entryOf(dir, n, xattrsOf));
      const entries: UpperEntry[] = [];
      const whiteouts = new Set<string>();
      for (const e of all) {
        if (FUSE_OPAQUE_MARKERS.has(e.name)) continue;
        if (isWhiteoutDevice(e.meta)) {
          if (!complete) whiteouts.add(e.name);
          continue;
        }
        if (e.meta.type === "socket") continue;
        if (e.all?.has(`${OVERLAY_XATTR}redirect`) || e.all?.has(`${OVERLAY_XATTR}metacopy`)) {
          throw new StrataError("NOT_IMPLEMENTED", `${e.source}: overlay redirect/metacopy entries are not supported`, {
            hint: "mount overlay with redirect_dir=off,metacopy=off",
          });
        }
        entries.push({ name: e.name, source: e.source, meta: e.meta, opaque: isY(e.all?.get(`${OVERLAY_XATTR}opaque`)) });
      }
      return { entries, whiteouts, complete };
    },
  };
  return { source, rootOpaque: isY(xattrsOf(upperdir)?.get(`${OVERLAY_XATTR}opaque`)) };
}

/**
 * The lower tree as a plain directory. `prefetch` reads the xattrs of every file it is asked
 * about (without the native reader: the whole tree up front, with one process, right when the
 * whole tree is walked anyway, as in the native double walk); otherwise xattrs are read only for
 * the few paths whose other metadata is identical.
 */
export async function plainLower(root: string, prefetch: boolean): Promise<LowerSource> {
  const prefetched = prefetch ? await readXattrTree(root) : undefined;
  const abs = (rel: string) => (rel === "" ? root : path.join(root, rel));
  return {
    async meta(rel): Promise<FileMeta | undefined> {
      const p = abs(rel);
      return readMetaSync(p, prefetched ? layerXattrs(prefetched(p)) : NO_XATTRS);
    },
    names: async (rel) => sortedNames(abs(rel)),
    async xattrs(rels) {
      let read = prefetched;
      if (!read) {
        const found = await readXattrs(rels.map(abs));
        read = (p) => found.get(p);
      }
      return new Map(rels.map((rel) => [rel, layerXattrs(read(abs(rel)))]));
    },
  };
}

/**
 * The upper tree is walked twice, first for hardlink groups (hardlink-groups.ts), then by the
 * diff. This wrapper keeps each listing from the first walk and hands it to the second (then
 * forgets it), so every directory is read and every entry lstat'ed once. Past `maxEntries`
 * remembered entries, listings are read again instead, bounding memory on huge layers.
 */
export function listingsReadOnce(upper: UpperSource, maxEntries = 100_000): UpperSource {
  const kept = new Map<string, UpperListing>();
  let keptEntries = 0;
  return {
    async list(rel, dir, complete) {
      const key = `${dir}\0${complete}`;
      const again = kept.get(key);
      if (again) {
        kept.delete(key);
        keptEntries -= again.entries.length;
        return again;
      }
      const listing = await upper.list(rel, dir, complete);
      if (keptEntries + listing.entries.length <= maxEntries) {
        kept.set(key, listing);
        keptEntries += listing.entries.length;
      }
      return listing;
    },
  };
}
