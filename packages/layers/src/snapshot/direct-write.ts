import { lstatSync } from "node:fs";
import path from "node:path";
import { overlayOption, type Mount } from "@strata/core";

/**
 * The upper directory of an overlay snapshot's mounts, when writing straight into it gives the
 * same upper directory as writing through the mount: everything written lies under top-level
 * names that no lower layer has, not even as a whiteout, so the overlay would neither copy a
 * directory up nor mark one opaque. A COPY to a new top-level path (`/app`, `/data`) then needs
 * no mount and no unmount. Undefined for any other mounts.
 */
export function directWriteDir(mounts: readonly Mount[], topNames: readonly string[]): string | undefined {
  const lowerdir = overlayOption(mounts, "lowerdir");
  const upper = overlayOption(mounts, "upperdir");
  if (lowerdir === undefined || upper === undefined || topNames.length === 0) return undefined;
  const names = topNames.flatMap((n) => (n === "" || n === "." || n === ".." || n.includes("/") ? [] : [n, `.wh.${n}`]));
  if (names.length !== topNames.length * 2) return undefined;
  for (const layer of lowerdir.split(":")) {
    if (!path.isAbsolute(layer)) return undefined;
    for (const name of names) if (lstatSync(path.join(layer, name), { throwIfNoEntry: false }) !== undefined) return undefined;
  }
  return upper;
}
