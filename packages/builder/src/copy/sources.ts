import { readdir, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import path from "node:path";
import { cleanPath, errnoCode, resolveInRoot } from "@strata/core";
import { sourceNotFound } from "./errors.js";
import { compileGoPattern, hasWildcard } from "@strata/cache";

/** One resolved source: an explicit path or one wildcard match. */
export interface SourceItem {
  /** Host path, symlinks (including the last component) followed inside the source root. */
  host: string;
  /** Logical path relative to the source root ("" = the root), as written (not symlink-resolved). */
  rel: string;
  stat: Stats;
  /** --parents: the path to keep under dest (relative to the pivot). */
  keepPath?: string;
  /** Index of the source argument this came from. */
  arg: number;
  /** Excluded by .dockerignore itself (a directory kept only for re-included descendants). */
  ignored: boolean;
}

export interface SourceOptions {
  root: string;
  isContext: boolean;
  ignore?: ((rel: string) => boolean) & { hasNegations?: boolean };
  parents?: boolean;
}

/**
 * Resolve source arguments. Paths are cleaned against the source root, so "../x" and "/x" are
 * clamped to "x" (BuildKit's behaviour; the classic builder rejected them). Wildcards follow Go's
 * filepath.Match per segment; a wildcard matching nothing yields no items (BuildKit does not fail),
 * but a missing literal parent directory of a wildcard is an error.
 */
export async function resolveSources(sources: readonly string[], opts: SourceOptions): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for (let arg = 0; arg < sources.length; arg++) {
    const raw = sources[arg]!;
    const { pivot, pattern } = splitPivot(raw, opts.parents === true);
    const rels = hasWildcard(pattern) ? await expandWildcard(pattern, opts, raw) : [pattern];
    const wild = hasWildcard(pattern);
    for (const rel of rels) {
      const host = await resolveInRoot(opts.root, "/" + rel);
      let st: Stats;
      try {
        st = await stat(host);
      } catch (e) {
        if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR" || errnoCode(e) === "ELOOP") {
          if (wild) continue;
          throw sourceNotFound(raw, opts.isContext);
        }
        throw e;
      }
      const ignored = isIgnored(rel, opts);
      // An ignored directory may still hold files re-included by "!" patterns; the walk decides.
      if (ignored && !(st.isDirectory() && (opts.ignore?.hasNegations ?? true))) {
        if (wild) continue;
        throw sourceNotFound(raw, opts.isContext);
      }
      const keepPath = opts.parents ? relativeTo(pivot, rel) : undefined;
      out.push({ host, rel, stat: st, keepPath, arg, ignored });
    }
  }
  return out;
}

/** --parents: "a/./b/c" keeps "b/c" (pivot "a"); without a pivot the whole path is kept. */
function splitPivot(raw: string, parents: boolean): { pivot: string; pattern: string } {
  const idx = parents ? raw.indexOf("/./") : -1;
  if (idx < 0) return { pivot: "", pattern: cleanRel(raw) };
  const pivot = cleanRel(raw.slice(0, idx));
  return { pivot, pattern: cleanRel(pivot + "/" + raw.slice(idx + 3)) };
}

const cleanRel = (p: string): string => cleanPath(p).slice(1);
const relativeTo = (pivot: string, rel: string): string => (pivot === "" ? rel : path.posix.relative(pivot, rel));

function isIgnored(rel: string, opts: SourceOptions): boolean {
  if (!opts.isContext || !opts.ignore || rel === "") return false;
  return opts.ignore(rel);
}

/** Expand a cleaned relative pattern segment by segment, like Go's filepath.Glob. */
async function expandWildcard(pattern: string, opts: SourceOptions, raw: string): Promise<string[]> {
  const segments = pattern.split("/");
  const firstWild = segments.findIndex(hasWildcard);
  const prefix = segments.slice(0, firstWild).join("/");
  let current = [prefix];
  // The literal part must exist (BuildKit: "lstat …: no such file or directory").
  try {
    const st = await stat(await resolveInRoot(opts.root, "/" + prefix));
    if (!st.isDirectory()) return [];
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") throw sourceNotFound(prefix === "" ? raw : prefix, opts.isContext);
    throw e;
  }
  for (const segment of segments.slice(firstWild)) {
    const next: string[] = [];
    for (const dir of current) {
      const join = (n: string) => (dir === "" ? n : `${dir}/${n}`);
      if (!hasWildcard(segment)) {
        next.push(join(segment));
        continue;
      }
      const re = compileGoPattern(segment);
      let names: string[];
      try {
        names = await readdir(await resolveInRoot(opts.root, "/" + dir));
      } catch (e) {
        if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") continue;
        throw e;
      }
      for (const n of names.sort()) if (re.test(n)) next.push(join(n));
    }
    current = next;
  }
  return current;
}
