import { readXattrTree, readXattrs, writeXattrs, type XattrLookup } from "@strata/core";

/** Attributes that must not travel: the host's SELinux label and overlayfs' own bookkeeping. */
const SKIP = (name: string) => name === "security.selinux" || name.startsWith("trusted.overlay.");

/**
 * The xattrs (file capabilities, user.*, ACLs…) of `src`, and of everything under it when
 * `recursive`; symlinks are not followed. Start it before copying: without the native reader it
 * is one `getfattr` process, which then runs alongside the copy.
 */
export async function sourceXattrs(src: string, recursive: boolean): Promise<XattrLookup> {
  if (recursive) return readXattrTree(src);
  const read = await readXattrs([src]);
  return (file) => read.get(file);
}

/**
 * Puts the source xattrs on what was written (`written`: source path → destination path), after
 * chown, which clears capabilities. Never through symlinks.
 */
export async function copyXattrs(source: XattrLookup, written: ReadonlyMap<string, string>): Promise<void> {
  const items: Array<{ path: string; name: string; value: Buffer }> = [];
  for (const [src, dst] of written) {
    for (const [name, value] of source(src) ?? []) if (!SKIP(name)) items.push({ path: dst, name, value });
  }
  await writeXattrs(items);
}
