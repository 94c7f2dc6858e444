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
  /** Host path under destRoot, all symlinks followed inside it. */
  host: string;
  /** The destination was written as a directory ("dir/", ".", ".."). */
  dirHint: boolean;
  /** What is there now, if anything (a dangling final symlink resolves to its missing target). */
  existing?: Stats;
}

/** Where `dest` (relative to workdir unless absolute) lands in the destination rootfs. */
export async function resolveDest(destRoot: string, dest: string, workdir: string): Promise<ResolvedDest> {
  const joined = dest.startsWith("/") ? dest : path.posix.join(workdir || "/", dest);
  const containerPath = cleanPath(joined);
  const dirHint = dest === "" || dest.endsWith("/") || /(^|\/)\.\.?$/.test(dest);
  // Like BuildKit (checked against Docker 20.10): every symlink on the way, the last one included,
  // is followed, always inside destRoot. `COPY f /lnk` with /lnk -> /target writes /target.
  const host = await resolveInRoot(destRoot, containerPath);
  return { containerPath, host, dirHint, existing: await lstatOrUndefined(host) };
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
  const created: string[] = [];
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    try {
      await mkdir(cur, { mode: 0o755 });
      created.push(cur);
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw notADirectory(destRoot, cur, e);
      const st = await stat(cur);
      if (!st.isDirectory()) throw notADirectory(destRoot, cur);
    }
  }
  // Deepest first, so creating a child does not move its parent's mtime afterwards.
  const owner = attrs.owner ?? { uid: 0, gid: 0 };
  for (const dir of created.reverse()) await applyMetadata(dir, { ...owner, mode: 0o755, mtime: creationTime(attrs) });
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
