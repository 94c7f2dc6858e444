import { readdirSync, type Dirent } from "node:fs";
import path from "node:path";
import { errnoCode, readXattrs } from "@strata/core";
import { compareNames } from "./change.js";
import { lstatOrUndefined, readMetaSync, type FileMeta } from "./file-meta.js";
import type { LowerSource } from "./tree-diff.js";
import { layerXattrs, NO_XATTRS, type Xattrs } from "./xattrs.js";

const OPAQUE = "trusted.overlay.opaque";

/**
 * The lower tree of an overlay snapshot read straight from its layer directories (nearest
 * first), merged as overlay merges them, so the differ needs no mount of it:
 * - the first layer holding a name decides: a whiteout (char 0/0) hides it, a non-directory is it;
 * - a directory merges with the same directory further down, until an opaque one (or a
 *   non-directory, or a whiteout) ends the merge; its attributes are the nearest one's.
 *
 * `dirRels` are the directories the diff will ask about (every directory of the upper tree).
 * Opacity is an xattr: it is read for every layer directory that could hide another below it
 * among those, in one batch before anything is resolved (one getfattr process when the native
 * xattr reader is missing).
 */
export async function stackedLower(layers: readonly string[], dirRels: Iterable<string>): Promise<LowerSource> {
  const at = (i: number, rel: string) => (rel === "" ? layers[i]! : path.join(layers[i]!, rel));
  const parentOf = (rel: string) => (rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "");

  // Every layer directory that may merge into one of dirRels (a superset: opacity is not known yet).
  const candidates = new Map<string, number[]>();
  const candidatesOf = (rel: string): number[] => {
    let found = candidates.get(rel);
    if (!found) {
      found = rel === "" ? layers.map((_, i) => i) : candidatesOf(parentOf(rel)).filter((i) => isDirectory(at(i, rel)));
      candidates.set(rel, found);
    }
    return found;
  };
  // Opacity matters only where a directory has another below it to hide. Lower roots never
  // count: the kernel merges every lowerdir's root whatever its xattrs (checked on 6.18).
  const mayHide = (rel: string, i: number): boolean => rel !== "" && candidatesOf(rel).at(-1) !== i;
  for (const rel of dirRels) candidatesOf(rel);
  const prefetched = [...candidates].flatMap(([rel, found]) => found.filter((i) => mayHide(rel, i)).map((i) => at(i, rel)));
  const xattrsOf = prefetched.length > 0 ? await readXattrs(prefetched) : new Map<string, Map<string, Buffer>>();
  const known = new Set(prefetched);
  const learn = async (paths: string[]): Promise<void> => {
    const unknown = paths.filter((p) => !known.has(p));
    if (unknown.length === 0) return;
    for (const [k, v] of await readXattrs(unknown)) xattrsOf.set(k, v);
    for (const p of unknown) known.add(p);
  };
  const opaque = async (rel: string, i: number): Promise<boolean> => {
    if (!mayHide(rel, i)) return false;
    await learn([at(i, rel)]);
    const v = xattrsOf.get(at(i, rel))?.get(OPAQUE);
    return v !== undefined && v.length === 1 && v[0] === 0x79;
  };

  const merged = new Map<string, Promise<number[] | undefined>>();
  /** The layers whose directory `rel` makes up the merged directory, nearest first; undefined if `rel` is no directory. */
  const layersOf = (rel: string): Promise<number[] | undefined> => {
    let found = merged.get(rel);
    if (!found) merged.set(rel, (found = mergeDirectory(rel)));
    return found;
  };
  const mergeDirectory = async (rel: string): Promise<number[] | undefined> => {
    let result: number[] | undefined;
    const from = rel === "" ? layers.map((_, i) => i) : ((await layersOf(parentOf(rel))) ?? []);
    for (const i of from) {
      if (rel !== "") {
        const st = lstatOrUndefined(at(i, rel));
        if (!st) continue;
        if (!st.isDirectory()) break; // a whiteout or a non-directory: nothing below merges
      }
      (result ??= []).push(i);
      if (await opaque(rel, i)) break;
    }
    return result;
  };

  /** The layer path that provides `rel` in the merged view, or undefined when it does not exist there. */
  const provider = async (rel: string): Promise<string | undefined> => {
    for (const i of (await layersOf(parentOf(rel))) ?? []) {
      const p = at(i, rel);
      const st = lstatOrUndefined(p);
      if (!st) continue;
      return st.isCharacterDevice() && st.rdev === 0 ? undefined : p;
    }
    return undefined;
  };

  return {
    async meta(rel): Promise<FileMeta | undefined> {
      const p = await provider(rel);
      return p === undefined ? undefined : readMetaSync(p, NO_XATTRS);
    },

    async names(rel): Promise<string[]> {
      const names = new Set<string>();
      const hidden = new Set<string>();
      for (const i of (await layersOf(rel)) ?? []) {
        const dir = at(i, rel);
        for (const d of readEntries(dir)) {
          if (names.has(d.name) || hidden.has(d.name)) continue;
          if (d.isCharacterDevice() && lstatOrUndefined(path.join(dir, d.name))?.rdev === 0) hidden.add(d.name);
          else names.add(d.name);
        }
      }
      return [...names].sort(compareNames);
    },

    async xattrs(rels): Promise<Map<string, Xattrs>> {
      const providers = await Promise.all(rels.map(provider));
      await learn(providers.filter((p): p is string => p !== undefined));
      return new Map(rels.map((rel, i) => [rel, providers[i] === undefined ? NO_XATTRS : layerXattrs(xattrsOf.get(providers[i]!))]));
    },
  };
}

function isDirectory(p: string): boolean {
  return lstatOrUndefined(p)?.isDirectory() ?? false;
}

function readEntries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return [];
    throw e;
  }
}
