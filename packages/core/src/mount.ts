/** A filesystem mount, in containerd's shape: `mount -t TYPE -o OPTIONS SOURCE TARGET`. */
export interface Mount {
  type: "bind" | "overlay" | (string & {});
  source: string;
  options: readonly string[];
}

/** The directory a read-write mount list writes into, when it can be reached without mounting. */
export function upperDirOf(mounts: readonly Mount[]): string | undefined {
  if (mounts.length === 1 && mounts[0]!.type === "bind") return mounts[0]!.source;
  return overlayOption(mounts, "upperdir");
}

/** The value of the `name=` option of a single overlay mount (`lowerdir` is `:`-separated), or undefined. */
export function overlayOption(mounts: readonly Mount[], name: "lowerdir" | "upperdir" | "workdir"): string | undefined {
  if (mounts.length !== 1 || mounts[0]!.type !== "overlay") return undefined;
  return mounts[0]!.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
}
