import { lstatSync } from "node:fs";
import path from "node:path";

/**
 * The host path of the regular file at `containerPath` in a stack of layer directories (nearest
 * first), when it can be told without mounting them: the nearest layer that has the path's first
 * component (or its whiteout) is the only one that can show anything below it, as long as the
 * file is found in that layer itself, through real directories. Then no opaque directory or
 * whiteout above can hide it. Anything else (a symlink on the way, a directory, a file that only
 * a lower layer has) is undefined, and the caller mounts a view instead.
 */
export function fileInLayers(layerDirs: readonly string[], containerPath: string): string | undefined {
  const parts = containerPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.includes("..")) return undefined;
  const first = parts[0]!;
  const layer = layerDirs.find(
    (dir) => lstatSync(path.join(dir, first), { throwIfNoEntry: false }) ?? lstatSync(path.join(dir, `.wh.${first}`), { throwIfNoEntry: false }),
  );
  if (layer === undefined) return undefined;
  let host = layer;
  for (const [i, part] of parts.entries()) {
    if (part.startsWith(".wh.")) return undefined;
    host = path.join(host, part);
    const st = lstatSync(host, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    const last = i === parts.length - 1;
    if (last ? !st.isFile() : !st.isDirectory()) return undefined;
  }
  return host;
}
