import { lstatSync, readlinkSync } from "node:fs";
import path from "node:path";
import { StrataError, errnoCode } from "./errors.js";

/**
 * Normalise a path inside a container root to the form "/a/b" (no "..", no trailing slash).
 * ".." can never climb above "/", as in securejoin.
 */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Resolve `p` (a path inside the container) to a host path under `root`, following symlinks
 * as the container would see them: absolute targets are taken relative to `root`, and no
 * component ever leaves it. The last component is followed only when `followLast` is true.
 */
export async function resolveInRoot(root: string, p: string, followLast = true): Promise<string> {
  const parts = cleanPath(p).split("/").filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    if (part === ".") continue;
    const candidate = path.join(root, ...resolved, part);
    const isLast = parts.length === 0;
    if (isLast && !followLast) {
      resolved.push(part);
      break;
    }
    let target: string | undefined;
    try {
      // Blocking: one lstat per component, microseconds each, where a promise call is a thread-pool round trip.
      const st = lstatSync(candidate);
      if (st.isSymbolicLink()) target = readlinkSync(candidate);
    } catch (e) {
      if (errnoCode(e) !== "ENOENT" && errnoCode(e) !== "ENOTDIR") throw e;
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 255) throw new StrataError("INVALID_ARGUMENT", `too many levels of symbolic links: ${p}`);
    if (target.startsWith("/")) resolved.length = 0;
    parts.unshift(...target.split("/").filter(Boolean));
  }
  return path.join(root, ...resolved);
}
