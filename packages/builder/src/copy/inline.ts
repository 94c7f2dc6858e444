import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { copyFailed } from "./errors.js";
import { ensureDir, lstatOrUndefined } from "./dest.js";
import { cannotReplaceDir } from "./write-plan.js";
import { applyMetadata, creationTime } from "./metadata.js";
import type { ResolvedDest } from "./dest.js";
import type { WriteAttrs } from "./types.js";

/**
 * Heredoc sources (`COPY <<EOF /dest`): each becomes a file named after the heredoc inside dest,
 * or dest itself when dest is a file path and there is one heredoc. Mode 0644 (or --chmod),
 * owner 0:0 (or --chown).
 */
export async function writeInline(
  files: readonly { name: string; content: string }[],
  dest: ResolvedDest,
  intoDir: boolean,
  destRoot: string,
  attrs: WriteAttrs,
): Promise<number> {
  for (const f of files) {
    const name = path.posix.basename(f.name);
    if (name === "" || name === "." || name === "..") throw copyFailed("INVALID_ARGUMENT", `invalid heredoc name ${JSON.stringify(f.name)}`);
    const target = intoDir ? path.join(dest.host, name) : dest.host;
    await ensureDir(destRoot, path.dirname(target), attrs);
    if ((await lstatOrUndefined(target))?.isDirectory()) throw cannotReplaceDir(destRoot, target);
    await rm(target, { force: true }); // never write through an existing symlink
    await writeFile(target, f.content, { mode: 0o644 });
    await applyMetadata(target, { ...(attrs.owner ?? { uid: 0, gid: 0 }), mode: attrs.mode ?? 0o644, mtime: creationTime(attrs) });
  }
  return files.length;
}
