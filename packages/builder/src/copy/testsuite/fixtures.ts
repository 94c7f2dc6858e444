import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { copyInto } from "../copy-into.js";
import type { CopyRequest } from "../types.js";

const made: string[] = [];
afterEach(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
});

export async function tempDir(prefix = "strata-copy-"): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Write a tree: "dir/" entries are directories, "a -> b" values make symlinks, strings are file contents. */
export async function writeTree(root: string, tree: Record<string, string | { link: string } | { mode: number; content: string }>): Promise<void> {
  for (const [rel, v] of Object.entries(tree)) {
    const p = path.join(root, rel);
    if (rel.endsWith("/")) {
      await mkdir(p, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(p), { recursive: true });
    if (typeof v === "string") await writeFile(p, v);
    else if ("link" in v) await symlink(v.link, p);
    else {
      await writeFile(p, v.content);
      await chmod(p, v.mode);
    }
  }
}

/** A context dir and an empty rootfs, plus a `copy` bound to them. */
export async function setup(tree: Parameters<typeof writeTree>[1] = {}) {
  const context = await tempDir("strata-ctx-");
  const rootfs = await tempDir("strata-rootfs-");
  await writeTree(context, tree);
  const copy = (sources: string[], dest: string, extra: Partial<CopyRequest> = {}) =>
    copyInto({ sourceRoot: context, sourceIsContext: true, sources, destRoot: rootfs, dest, workdir: "/", isAdd: false, ...extra });
  return { context, rootfs, copy };
}

export const read = (p: string) => readFile(p, "utf8");

/** Sorted relative paths under a dir ("d/" for directories). */
export async function listTree(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const n of (await readdir(path.join(root, rel))).sort()) {
    const r = rel ? `${rel}/${n}` : n;
    const st = await lstat(path.join(root, r));
    if (st.isDirectory()) out.push(`${r}/`, ...(await listTree(root, r)));
    else out.push(r);
  }
  return out;
}

export async function setMtime(p: string, seconds: number): Promise<void> {
  await utimes(p, seconds, seconds);
}
