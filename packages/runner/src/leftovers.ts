import { existsSync } from "node:fs";
import path from "node:path";
import { loadMountStubs, removeBundle, type StateLayout } from "./bundle.js";
import { removeMountStubs } from "./mount-stubs.js";
import { dropCopyUps } from "./overlay-copy-ups.js";
import { readdirIfExists } from "./paths.js";
import { mountPointsUnder, unmount } from "./rootfs-mount.js";
import type { RuncCli } from "./runc-cli.js";

/**
 * Undoes what runs of a process that died (SIGKILL, power loss) left under `stateDir`, in
 * the order they were made: containers first (so nothing holds the mounts), then per bundle
 * its mount stubs (the rootfs is still mounted or is a plain directory), its rootfs mount
 * and the bundle itself; finally any other mount below `stateDir`.
 */
export async function removeLeftovers(stateDir: string, layout: StateLayout, runc: () => Promise<RuncCli>): Promise<void> {
  if (existsSync(layout.runcRoot)) {
    const cli = await runc();
    for (const id of await cli.list()) await cli.deleteForce(id);
  }
  for (const name of await readdirIfExists(layout.bundles)) {
    const bundle = path.join(layout.bundles, name);
    const stubs = await loadMountStubs(bundle);
    if (stubs) await removeMountStubs(stubs);
    for (const point of await mountPointsUnder(bundle)) await unmount(point);
    if (stubs) await dropCopyUps(stubs.copyUps);
    await removeBundle(bundle);
  }
  for (const point of await mountPointsUnder(stateDir)) await unmount(point);
}
