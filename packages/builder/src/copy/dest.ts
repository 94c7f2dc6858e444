import { lstat, mkdir, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import path from "node:path";
import { cleanPath, errnoCode, resolveInRoot } from "@strata/core";
import { copyFailed } from "./errors.js";
import { applyMetadata, creationTime } from "./metadata.js";
import type { WriteAttrs } from "./types.js";

export interface ResolvedDest {
  /** Clean container path, e.g. "/app/x". */
  containerPath: string;
  /** Host path under destRoot; a symlink to a directory at the end has been followed. */
  host: string;
  /** The destination was written as a directory ("dir/", ".", ".."). */
  dirHint: boolean;
  /** What is there now (after following a final symlink to a directory), if anything. */
  existing?: Stats;
}

/** Where `dest` (relative to workdir unless absolute) lands in the destination rootfs. */
export async function resolveDest(destRoot: string, dest: string, workdir: string): Promise<ResolvedDest> {
  const joined = dest.startsWith("/") ? dest : path.posix.join(workdir || "/", dest);
  const containerPath = cleanPath(joined);
  const dirHint = dest.endsWith("/") || /(^|\/)\.\.?$/.test(dest);
  const parentHost = await resolveInRoot(destRoot, path.posix.dirname(containerPath));
  const host = containerPath === "/" ? destRoot : path.join(parentHost, path.posix.basename(containerPath));
  const existing = await lstatOrUndefined(host);
  if (existing?.isSymbolicLink()) {
    const followed = await resolveInRoot(destRoot, containerPath);
    const target = await lstatOrUndefined(followed);
    if (target?.isDirectory()) return { containerPath, host: followed, dirHint, existing: target };
  }
  return { containerPath, host, dirHint, existing };
}

/**
 * Create `hostDir` and its missing parents under destRoot: 0755, owned by --chown if given
 * (BuildKit creates destination parents with the copy's owner) else 0:0.
 */
export async function ensureDir(destRoot: string, hostDir: string, attrs: WriteAttrs): Promise<void> {
  const rel = path.relative(destRoot, hostDir);
  if (rel.startsWith("..")) throw copyFailed("INTERNAL", `destination ${hostDir} is outside the rootfs`);
  if (rel === "") return;
  let cur = destRoot;
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    try {
      await mkdir(cur, { mode: 0o755 });
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw notADirectory(destRoot, cur, e);
      const st = await stat(cur);
      if (!st.isDirectory()) throw notADirectory(destRoot, cur);
      continue;
    }
    const owner = attrs.owner ?? { uid: 0, gid: 0 };
    await applyMetadata(cur, { ...owner, mode: 0o755, mtime: creationTime(attrs) });
  }
}

export function notADirectory(destRoot: string, host: string, cause?: unknown) {
  return copyFailed("FAILED_PRECONDITION", `cannot copy to non-directory: /${path.relative(destRoot, host)}`, { cause });
}

export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
}
