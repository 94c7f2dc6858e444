/** A filesystem mount, in containerd's shape: `mount -t TYPE -o OPTIONS SOURCE TARGET`. */
export interface Mount {
  type: "bind" | "overlay" | (string & {});
  source: string;
  options: readonly string[];
}

/** The directory a read-write mount list writes into, when it can be reached without mounting. */
export function upperDirOf(mounts: readonly Mount[]): string | undefined {
  if (mounts.length !== 1) return undefined;
  const m = mounts[0]!;
  if (m.type === "bind") return m.source;
  const upper = m.options.find((o) => o.startsWith("upperdir="));
  return upper?.slice("upperdir=".length);
}
