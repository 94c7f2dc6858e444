/** Extended attributes of one file, name → raw value. */
export type Xattrs = ReadonlyMap<string, Buffer>;

export const NO_XATTRS: Xattrs = new Map();

/**
 * The xattrs a layer carries: file capabilities and user attributes. `trusted.*` (overlay's
 * own bookkeeping), `user.fuseoverlayfs.*` (fuse-overlayfs's) and `security.selinux` (host
 * labels) never go into a layer.
 */
export function isLayerXattr(name: string): boolean {
  return name === "security.capability" || (name.startsWith("user.") && !name.startsWith("user.fuseoverlayfs."));
}

/** The layer xattrs among all of a file's xattrs. */
export function layerXattrs(all: ReadonlyMap<string, Buffer> | undefined): Xattrs {
  if (!all) return NO_XATTRS;
  let out: Map<string, Buffer> | undefined;
  for (const [k, v] of all) if (isLayerXattr(k)) (out ??= new Map()).set(k, v);
  return out ?? NO_XATTRS;
}

export function sameXattrs(a: Xattrs, b: Xattrs): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || !w.equals(v)) return false;
  }
  return true;
}
