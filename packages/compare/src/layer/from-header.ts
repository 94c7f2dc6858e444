import { cleanPath } from "@strata/core";
import { TarType, type ReadHeader } from "@strata/layers";
import { entryBytes, type EntryType, type LayerEntry, type LayerIndex } from "./entry.js";

const WHITEOUT = ".wh.";
/** A name that is clean already but for its leading "/" (no ".", "..", "//" or leading "./"): the common case, without splitting. */
const SIMPLE = /^(?!\.{1,2}(\/|$))(?!\/)(?!.*\/\.{1,2}(\/|$))(?!.*\/\/).+$/s;
const OPAQUE = ".wh..wh..opq";

const TYPES: Record<string, EntryType> = {
  [TarType.file]: "file",
  [TarType.link]: "hardlink",
  [TarType.symlink]: "symlink",
  [TarType.char]: "char",
  [TarType.block]: "block",
  [TarType.dir]: "dir",
  [TarType.fifo]: "fifo",
};

/**
 * Collects a layer's entries from its tar headers (OCI whiteouts: `.wh.NAME` removes NAME
 * below, `.wh..wh..opq` hides everything below in its directory). The root entry is skipped.
 */
export class LayerIndexBuilder {
  readonly index: LayerIndex = { entries: [], whiteouts: [], opaques: [], diffSize: 0 };

  /** Adds one header; returns the entry for a path it writes (undefined for a whiteout, the root or an unknown type). */
  add(h: ReadHeader, at?: { file: string; offset: number }): LayerEntry | undefined {
    const path = SIMPLE.test(h.name) ? `/${h.name.endsWith("/") ? h.name.slice(0, -1) : h.name}` : cleanPath(h.name);
    if (path === "/") return undefined;
    const slash = path.lastIndexOf("/");
    const base = path.slice(slash + 1);
    if (base.startsWith(WHITEOUT)) {
      const dir = path.slice(0, slash) || "/";
      if (base === OPAQUE) this.index.opaques.push(dir);
      else this.index.whiteouts.push(cleanPath(`${dir}/${base.slice(WHITEOUT.length)}`));
      return undefined;
    }
    const type = TYPES[h.type];
    if (!type) return undefined; // e.g. GNU sparse or vendor types: nothing a filesystem diff can show
    const entry: LayerEntry = { path, type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, size: type === "file" ? h.size : 0, mtime: h.mtime };
    if (type === "symlink") entry.link = h.linkname;
    if (type === "hardlink") entry.link = cleanPath(h.linkname);
    if (type === "char" || type === "block") entry.device = `${h.devmajor},${h.devminor}`;
    if (h.xattrs.size > 0) {
      entry.xattrs = {};
      for (const [k, v] of [...h.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) entry.xattrs[k] = v.toString("base64");
    }
    if (type === "file" && at) {
      entry.file = at.file;
      entry.offset = at.offset;
    }
    this.index.entries.push(entry);
    this.index.diffSize += entryBytes(entry);
    return entry;
  }
}
