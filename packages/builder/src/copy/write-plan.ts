import { constants } from "node:fs";
import { copyFile, link, mkdir, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { errnoCode, resolveInRoot, runChecked } from "@strata/core";
import { forEachBounded } from "./limit.js";
import { applyMetadata, mtimeFor, ownerFor } from "./metadata.js";
import type { WriteAttrs } from "./types.js";
import type { PlanEntry } from "./walk.js";
import { lstatOrUndefined, notADirectory } from "./dest.js";
import { copyFailed } from "./errors.js";

/** Files in flight at once: enough to keep libuv's pool and the disk busy, bounded for fds. */
const FILE_CONCURRENCY = 32;

interface WriteContext {
  destRoot: string;
  attrs: WriteAttrs;
  /** Host path of each directory rel written so far. */
  dirHost: Map<string, string>;
  /** Directories this request created: their children cannot exist yet. */
  fresh: Set<string>;
}

/**
 * Write planned entries at `target` (the host path for rel ""). Directories first, in order;
 * then files and symlinks in parallel; then hardlinks; then directory metadata, deepest first,
 * so that writing children does not disturb their parents' mtimes. Returns the count written.
 */
export async function writePlan(
  entries: readonly PlanEntry[],
  target: string,
  destRoot: string,
  attrs: WriteAttrs,
  /** Filled with source → destination host path for every non-symlink written (for xattrs). */
  written?: Map<string, string>,
): Promise<number> {
  const ctx: WriteContext = { destRoot, attrs, dirHost: new Map(), fresh: new Set() };
  const dirs: { entry: PlanEntry; host: string }[] = [];
  const leaves: PlanEntry[] = [];
  const hardlinks: PlanEntry[] = [];
  for (const e of entries) {
    if (e.kind === "dir") {
      const host = await ensurePlannedDir(e, target, ctx);
      if (e.rel !== "") written?.set(e.src, host); // the dest dir itself is a plain mkdir
      if (ctx.fresh.has(host)) dirs.push({ entry: e, host });
    } else if (e.kind === "hardlink") hardlinks.push(e);
    else leaves.push(e);
  }
  await forEachBounded(leaves, FILE_CONCURRENCY, async (e) => {
    const dst = hostOf(e.rel, target, ctx);
    await writeLeaf(e, dst, ctx);
    if (e.kind !== "symlink") written?.set(e.src, dst);
  });
  for (const e of hardlinks) {
    const dst = hostOf(e.rel, target, ctx);
    await clearPath(dst, ctx);
    await link(hostOf(e.link!, target, ctx), dst);
  }
  for (let i = dirs.length - 1; i >= 0; i--) {
    const { entry, host } = dirs[i]!;
    await applyMetadata(host, { ...ownerFor(entry.stat, attrs), mode: attrs.mode ?? entry.stat.mode & 0o7777, mtime: mtimeFor(entry.stat, attrs) });
  }
  return entries.length;
}

function hostOf(rel: string, target: string, ctx: WriteContext): string {
  if (rel === "") return target;
  const slash = rel.lastIndexOf("/");
  const parentRel = slash < 0 ? "" : rel.slice(0, slash);
  const parent = ctx.dirHost.get(parentRel) ?? path.join(target, parentRel);
  return path.join(parent, rel.slice(slash + 1));
}

/**
 * Make the directory for a planned dir entry. An existing directory is merged into (its metadata
 * kept); an existing symlink to a directory inside the root is followed (merged-/usr layouts);
 * anything else in the way is an error, as in BuildKit.
 */
async function ensurePlannedDir(e: PlanEntry, target: string, ctx: WriteContext): Promise<string> {
  const planned = hostOf(e.rel, target, ctx);
  const parentIsFresh = e.rel !== "" && ctx.fresh.has(path.dirname(planned));
  if (!parentIsFresh) {
    const existing = await lstatOrUndefined(planned);
    if (existing?.isDirectory()) {
      ctx.dirHost.set(e.rel, planned);
      return planned;
    }
    if (existing?.isSymbolicLink()) {
      const followed = await resolveInRoot(ctx.destRoot, "/" + path.relative(ctx.destRoot, planned));
      if ((await lstatOrUndefined(followed))?.isDirectory()) {
        ctx.dirHost.set(e.rel, followed);
        return followed;
      }
    }
    // BuildKit: "cannot copy to non-directory" (checked against Docker 20.10's BuildKit).
    if (existing) throw notADirectory(ctx.destRoot, planned);
  }
  await mkdir(planned, { mode: 0o700 });
  ctx.fresh.add(planned);
  ctx.dirHost.set(e.rel, planned);
  return planned;
}

async function writeLeaf(e: PlanEntry, dst: string, ctx: WriteContext): Promise<void> {
  await clearPath(dst, ctx);
  const { attrs } = ctx;
  const owner = ownerFor(e.stat, attrs);
  const mtime = mtimeFor(e.stat, attrs);
  // Directories we created get their final mode (maybe setgid) only at the end.
  const createdInPlainDir = ctx.fresh.has(path.dirname(dst));
  if (e.kind === "symlink") {
    await symlink(e.link!, dst);
    await applyMetadata(dst, { ...owner, mtime, symlink: true, createdInPlainDir });
    return;
  }
  if (e.kind === "file") {
    // FICLONE shares extents on reflink filesystems and falls back to a kernel copy elsewhere.
    await copyFile(e.src, dst, constants.COPYFILE_FICLONE);
  } else if (!(await makeSpecial(e, dst))) return;
  // copyFile already gave the file the source's mode; chmod only for --chmod or set-id bits.
  const mode = attrs.mode ?? e.stat.mode & 0o7777;
  const needsChmod = attrs.mode !== undefined || (mode & 0o7000) !== 0 || e.kind === "special";
  await applyMetadata(dst, { ...owner, mode: needsChmod ? mode : undefined, mtime, createdInPlainDir });
}

/** BuildKit's wording when a non-directory would replace a directory. */
export function cannotReplaceDir(destRoot: string, host: string) {
  return copyFailed("FAILED_PRECONDITION", `cannot replace to directory /${path.relative(destRoot, host)} with file`);
}

/** Remove whatever is at `dst` unless its parent was created by this request. */
async function clearPath(dst: string, ctx: WriteContext): Promise<void> {
  if (ctx.fresh.has(path.dirname(dst))) return;
  try {
    await unlink(dst);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT") return;
    if (code === "EISDIR" || code === "EPERM") throw cannotReplaceDir(ctx.destRoot, dst);
    throw err;
  }
}

/** FIFOs and device nodes (stage sources only, in practice); sockets are skipped as Docker does. */
async function makeSpecial(e: PlanEntry, dst: string): Promise<boolean> {
  const st = e.stat;
  if (st.isFIFO()) await runChecked("mknod", [dst, "p"]);
  else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const major = Math.floor(st.rdev / 256) & 0xfff;
    const minor = (st.rdev & 0xff) | (Math.floor(st.rdev / 4096) & 0xfff00);
    await runChecked("mknod", [dst, st.isCharacterDevice() ? "c" : "b", String(major), String(minor)]);
  } else return false;
  return true;
}
