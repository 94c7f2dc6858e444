import path from "node:path";
import { parseChmod } from "./chmod.js";
import { extractArchive, sniffArchive } from "./archive.js";
import { copyFailed } from "./errors.js";
import { ensureDir, notADirectory, resolveDest, type ResolvedDest } from "./dest.js";
import { createIgnoreMatcher } from "./ignore.js";
import { writeInline } from "./inline.js";
import { resolveOwner } from "./owner.js";
import { cleanPath, resolveInRoot } from "@strata/core";
import { resolveSources, type SourceItem } from "./sources.js";
import type { CopyRequest, CopyResult, WriteAttrs } from "./types.js";
import { leafEntry, planDirectory, type WalkFilters } from "./walk.js";
import { writePlan } from "./write-plan.js";
import { copyXattrs, sourceXattrs } from "./xattrs.js";

const MULTI_SOURCE = "When using COPY with more than one source file, the destination must be a directory and end with a /";

/**
 * Carry out one COPY/ADD into a mounted destination rootfs, with Docker/BuildKit semantics:
 * a directory source copies its contents; a file goes inside an existing directory or a dest
 * ending in "/", else becomes dest; missing parents are created (0755, --chown owner).
 */
export async function copyInto(req: CopyRequest): Promise<CopyResult> {
  const attrs: WriteAttrs = {
    owner: req.chown ? await resolveOwner(req.destRoot, req.chown) : undefined,
    rootOwned: req.sourceIsContext,
    mode: req.chmod ? parseChmod(req.chmod) : undefined,
    epoch: req.sourceDateEpoch,
  };
  const inline = req.inline ?? [];
  const dest = await resolveDest(req.destRoot, req.dest, req.workdir);
  // Several sources need a directory. BuildKit also accepts an existing directory without the
  // slash (checked); where it does not exist BuildKit lets the last source win, we refuse.
  const destIsDir = dest.dirHint || dest.existing?.isDirectory() === true;
  if (req.sources.length + inline.length > 1 && !destIsDir) throw copyFailed("INVALID_ARGUMENT", MULTI_SOURCE);

  const ignore = req.sourceIsContext ? req.ignore : undefined;
  const items = await resolveSources(req.sources, { root: req.sourceRoot, isContext: req.sourceIsContext, ignore, parents: req.parents });
  if (items.length > 1 && !destIsDir) throw copyFailed("INVALID_ARGUMENT", MULTI_SOURCE);

  const exclude = req.excludes?.length ? createIgnoreMatcher(req.excludes) : undefined;
  const intoDir = destIsDir;
  let copied = 0;
  for (const item of items) {
    copied += await copyItem(item, req, dest, intoDir, attrs, {
      ignore,
      ignoreHasNegations: (ignore as { hasNegations?: boolean } | undefined)?.hasNegations ?? true,
      ignorePrefix: item.rel,
      exclude,
      excludeHasNegations: exclude?.hasNegations,
    });
  }
  if (inline.length > 0) copied += await writeInline(inline, dest, intoDir, req.destRoot, attrs);
  return { copied };
}

async function copyItem(item: SourceItem, req: CopyRequest, dest: ResolvedDest, intoDir: boolean, attrs: WriteAttrs, filters: WalkFilters): Promise<number> {
  const name = path.posix.basename(item.rel);
  if (item.stat.isDirectory()) {
    const target = item.keepPath ? await underDest(req.destRoot, dest.host, item.keepPath) : dest.host;
    const existing = target === dest.host ? dest.existing : undefined;
    if (existing && !existing.isDirectory()) throw notADirectory(req.destRoot, target);
    // As BuildKit (CreateDestPath): the destination directory itself is a plain 0755 mkdir owned
    // by --chown or root; only what is inside it takes the source's metadata and --chmod.
    await ensureDir(req.destRoot, target, attrs);
    const xattrs = sourceXattrs(item.host, true);
    xattrs.catch(() => {}); // awaited below, unless planning or writing fails first
    const entries = await planDirectory(item.host, item.stat, filters);
    if (item.ignored && entries.length === 1) throw copyFailed("NOT_FOUND", `file not found in build context or excluded by .dockerignore: stat ${item.rel}: file does not exist`);
    const written = new Map<string, string>();
    const count = await writePlan(entries, target, req.destRoot, attrs, written);
    await copyXattrs(await xattrs, written);
    return count;
  }
  if (filters.exclude?.(name)) return 0;
  if (req.isAdd && req.unpack !== false && req.sourceIsContext && item.stat.isFile()) {
    const compression = await sniffArchive(item.host);
    if (compression) {
      await ensureDir(req.destRoot, dest.host, attrs);
      return extractArchive(item.host, compression, dest.host);
    }
  }
  const target = item.keepPath ? await underDest(req.destRoot, dest.host, item.keepPath) : intoDir ? path.join(dest.host, name) : dest.host;
  await ensureDir(req.destRoot, path.dirname(target), attrs);
  // A named symlink was followed (item.stat is the target's): its content is copied under the link's name.
  const xattrs = sourceXattrs(item.host, false);
  xattrs.catch(() => {}); // awaited below, unless writing fails first
  const written = new Map<string, string>();
  const count = await writePlan([leafEntry(item.host, "", item.stat, undefined, new Map())], target, req.destRoot, attrs, written);
  await copyXattrs(await xattrs, written);
  return count;
}

/**
 * The host path of `rel` below the (already resolved) destination: existing symlinks on the way
 * are followed inside destRoot, never on the host; the last component is left for the writer.
 */
async function underDest(destRoot: string, destHost: string, rel: string): Promise<string> {
  if (rel === "") return destHost;
  const container = cleanPath(path.posix.join("/", path.relative(destRoot, destHost).split(path.sep).join("/"), rel));
  const parent = await resolveInRoot(destRoot, path.posix.dirname(container));
  return path.join(parent, path.posix.basename(container));
}
