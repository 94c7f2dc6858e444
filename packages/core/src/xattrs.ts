import { nativeXattrs } from "./xattrs-native.js";
import { getfattrPaths, getfattrTree, setfattrRestore } from "./xattrs-getfattr.js";

/** A file's extended attributes, name → raw value. */
export type XattrSet = Map<string, Buffer>;

/** The xattrs of a file by its path, or undefined when it has none. */
export type XattrLookup = (file: string) => XattrSet | undefined;

// Node has no xattr API. Reads and writes go through @napi-rs/xattr (llistxattr, lgetxattr,
// lsetxattr: ~1-2 µs a file) when its prebuilt binary loads, and otherwise through one
// getfattr/setfattr process per batch (~2-3 ms a process from Node here, on every COPY and RUN).
// Symlinks are never followed.

/** The xattrs of some absolute paths. Paths without xattrs, or that do not exist, are absent. */
export async function readXattrs(files: readonly string[]): Promise<Map<string, XattrSet>> {
  const native = nativeXattrs();
  if (!native) return getfattrPaths(files);
  const out = new Map<string, XattrSet>();
  for (const f of files) {
    const set = native.read(f);
    if (set) out.set(f, set);
  }
  return out;
}

/**
 * The xattrs of every entry under `root` (and of `root`), by absolute path. Natively each file is
 * read when asked for, so a caller that walks the tree anyway pays one call per entry it visits;
 * otherwise ONE `getfattr -R` reads the whole tree up front.
 */
export async function readXattrTree(root: string): Promise<XattrLookup> {
  const native = nativeXattrs();
  if (native) return (file) => native.read(file);
  const dump = await getfattrTree(root);
  return (file) => dump.get(file);
}

/**
 * Sets xattrs (symlinks not followed). Paths must be absolute and already checked to lie inside
 * the target root.
 */
export async function writeXattrs(items: Iterable<{ path: string; name: string; value: Buffer }>): Promise<void> {
  const list = [...items];
  if (list.length === 0) return;
  const native = nativeXattrs();
  if (!native) return setfattrRestore(list);
  for (const it of list) native.write(it.path, it.name, it.value);
}
