import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A temporary directory tree for tests; `files` maps relative paths to contents ("->x" makes a symlink to x). */
export async function makeTree(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "strata-cache-"));
  await writeTree(dir, files);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    if (content.startsWith("->")) await symlink(content.slice(2), file);
    else await writeFile(file, content);
  }
}

/** Wait past timestamp granularity, so files written before are no longer "racy" for the stat cache. */
export const settle = (ms = 80): Promise<void> => new Promise((r) => setTimeout(r, ms));
