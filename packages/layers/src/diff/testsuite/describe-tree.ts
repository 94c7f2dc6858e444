import { createHash } from "node:crypto";
import { readFile, readdir, lstat, readlink } from "node:fs/promises";
import path from "node:path";
import { readXattrTree } from "@strata/core";
import { isLayerXattr } from "../xattrs.js";

/**
 * One line per object under `root` (root excluded), sorted: path, type, mode, owner, size,
 * mtime (whole seconds), nlink (unless `nlink: false`), symlink target, content sha256,
 * layer xattrs. Two trees with the same description are the same image filesystem.
 */
export async function describeTree(root: string, opts: { nlink?: boolean } = {}): Promise<string[]> {
  const xattrsOf = await readXattrTree(root);
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const st = await lstat(p);
      const type = st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isFile() ? "f" : st.isCharacterDevice() ? "c" : "o";
      const x = [...(xattrsOf(p) ?? new Map<string, Buffer>())]
        .filter(([k]) => isLayerXattr(k))
        .map(([k, v]) => `${k}=${v.toString("hex")}`)
        .sort()
        .join(",");
      const content = st.isFile() ? createHash("sha256").update(await readFile(p)).digest("hex").slice(0, 12) : "";
      const link = st.isSymbolicLink() ? await readlink(p) : "";
      const mtime = st.isSymbolicLink() ? "" : Math.floor(st.mtimeMs / 1000);
      const nlink = st.isFile() && opts.nlink !== false ? st.nlink : "";
      out.push(
        [path.relative(root, p), type, (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`, st.isFile() ? st.size : "", mtime, nlink, link, content, x].join(" "),
      );
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}
