import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { StrataError, resolveInRoot } from "@strata/core";
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./change.js";
import { DeferredOps } from "./deferred-ops.js";
import { lstatOrUndefined } from "./file-meta.js";
import { normaliseEntryName, splitRel } from "./safe-path.js";
import { TarType } from "./tar-header.js";
import type { TarEntry } from "./tar-reader.js";

/** How OCI whiteouts land on the target: removal (plain directory) or overlay's own markers. */
export type WhiteoutMode = "plain" | "overlay";

export interface ApplyLayerOptions {
  whiteouts: WhiteoutMode;
  /** Metadata for a parent directory the layer does not contain (overlay: the lower layer's). */
  parentTemplate?: (rel: string) => Promise<Stats | undefined>;
  signal?: AbortSignal;
}

const isWhiteoutName = (base: string) => base.startsWith(WHITEOUT_PREFIX);

/**
 * Unpacks tar entries under `root`. Every name is normalised and refused if it escapes;
 * parents are resolved inside the root (a symlink among them is followed, confined to root);
 * the entry itself is never followed: whatever is at its path (other than a directory meeting
 * a directory) is removed first. Owner, mode (setuid/setgid/sticky), mtime, hardlinks,
 * symlinks and xattrs are kept; directory mtimes and batched work happen at the end.
 * Filesystem calls are synchronous: per entry they are a few microseconds each, where the
 * promise API waits for the thread pool (measured on a 54k-entry /usr/share layer: 22 s with
 * fs/promises against 1.3 s for GNU tar). The event loop still turns between entries.
 */
export async function applyLayer(root: string, entries: AsyncIterable<TarEntry>, opts: ApplyLayerOptions): Promise<void> {
  const deferred = new DeferredOps();
  const parents = new Map<string, string>([["", root]]);
  const unpacked = new Set<string>();

  const removeExisting = async (abs: string, st: Stats) => {
    if (st.isDirectory()) {
      deferred.dropUnder(abs);
      parents.clear();
      parents.set("", root);
    } else deferred.dropExact(abs);
    rmSync(abs, { recursive: true, force: true });
  };

  const resolveDir = async (rel: string): Promise<string> => {
    const known = parents.get(rel);
    if (known) return known;
    const { dir, base } = splitRel(rel);
    let abs = path.join(await resolveDir(dir), base);
    let st = lstatOrUndefined(abs);
    if (st?.isSymbolicLink()) {
      abs = await resolveInRoot(root, path.relative(root, abs), true);
      st = lstatOrUndefined(abs);
    }
    if (!st) {
      const tpl = await opts.parentTemplate?.(rel);
      mkdirSync(abs, { mode: 0o755, recursive: true }); // recursive: below a symlink resolved in root
      if (tpl) {
        lchownSync(abs, tpl.uid, tpl.gid);
        chmodSync(abs, tpl.mode & 0o7777);
        deferred.dirTime(abs, tpl.mtimeMs / 1000);
      }
    } else if (!st.isDirectory()) {
      throw new StrataError("INVALID_ARGUMENT", `layer entry under ${rel}: not a directory`);
    }
    parents.set(rel, abs);
    return abs;
  };

  for await (const e of entries) {
    opts.signal?.throwIfAborted();
    const rel = normaliseEntryName(e.name);
    if (rel === "") continue;
    const { dir, base } = splitRel(rel);
    if (isWhiteoutName(base)) {
      const dirAbs = await resolveDir(dir);
      if (base === OPAQUE_WHITEOUT) {
        for (const child of readdirSync(dirAbs)) {
          if (unpacked.has(dir === "" ? child : `${dir}/${child}`)) continue;
          const abs = path.join(dirAbs, child);
          await removeExisting(abs, lstatSync(abs));
        }
        if (opts.whiteouts === "overlay") deferred.xattr(dirAbs, "trusted.overlay.opaque", Buffer.from("y"));
      } else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
        const name = base.slice(WHITEOUT_PREFIX.length);
        if (name === "" || name === "." || name === "..") throw new StrataError("INVALID_ARGUMENT", `bad whiteout ${e.name}`);
        const abs = path.join(dirAbs, name);
        const st = lstatOrUndefined(abs);
        if (st) await removeExisting(abs, st);
        else deferred.dropExact(abs);
        if (opts.whiteouts === "overlay") {
          deferred.node({ path: abs, kind: "c", major: 0, minor: 0, mode: 0, uid: 0, gid: 0, mtime: 0 });
        }
      }
      continue;
    }

    const abs = path.join(await resolveDir(dir), base);
    const existing = lstatOrUndefined(abs);
    const isDir = e.type === TarType.dir;
    const merge = isDir && existing?.isDirectory() === true;
    if (existing && !merge) await removeExisting(abs, existing);
    else if (!existing) deferred.dropExact(abs); // queued work for a node not created yet is stale
    unpacked.add(rel);

    switch (e.type) {
      case TarType.dir:
        if (!merge) mkdirSync(abs, { mode: 0o700 });
        parents.set(rel, abs);
        break;
      case TarType.file:
        await writeBody(abs, e);
        break;
      case TarType.symlink:
        symlinkSync(e.linkname, abs);
        break;
      case TarType.link: {
        const targetRel = normaliseEntryName(e.linkname);
        const t = splitRel(targetRel);
        linkSync(path.join(await resolveDir(t.dir), t.base), abs);
        continue; // the inode already has its metadata
      }
      case TarType.char:
      case TarType.block:
      case TarType.fifo:
        deferred.node({
          path: abs,
          kind: e.type === TarType.char ? "c" : e.type === TarType.block ? "b" : "p",
          major: e.devmajor,
          minor: e.devminor,
          mode: e.mode,
          uid: e.uid,
          gid: e.gid,
          mtime: e.mtime,
        });
        continue;
      default:
        throw new StrataError("INVALID_ARGUMENT", `layer entry ${e.name}: unsupported tar type ${JSON.stringify(e.type)}`);
    }
    lchownSync(abs, e.uid, e.gid);
    if (e.type !== TarType.symlink) chmodSync(abs, e.mode & 0o7777);
    for (const [k, v] of e.xattrs) deferred.xattr(abs, k, v);
    if (isDir) deferred.dirTime(abs, e.mtime);
    else lutimesSync(abs, e.mtime, e.mtime);
  }
  await deferred.flush();
}

async function writeBody(abs: string, e: TarEntry): Promise<void> {
  const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    for await (const chunk of e.body) {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
    }
  } finally {
    closeSync(fd);
  }
}
