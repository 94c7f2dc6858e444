import { lstatSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { errnoCode, resolveInRoot } from "@strata/core";

/** Whether `p` exists (without following a final symlink); a file in the way counts as no. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    lstatSync(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return false;
    throw e;
  }
}

/** The names in `dir`, or none when it does not exist. */
export async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

/**
 * Whether the host path `p` (under `root`) still names the same place inside the root: a
 * build may have turned one of its parents into a symlink (to "/" or anywhere), and nothing
 * outside the root may ever be removed or touched through it.
 */
export async function unmovedInRoot(root: string, p: string): Promise<boolean> {
  try {
    return (await resolveInRoot(root, path.relative(root, p), false)) === p;
  } catch {
    return false;
  }
}
