import { existsSync } from "node:fs";
import { ownerPid, processAlive } from "@strata/core";
import path from "node:path";
import { loadMountStubs, removeBundle, type StateLayout } from "./bundle.js";
import { removeMountStubs } from "./mount-stubs.js";
import { dropCopyUps } from "./overlay-copy-ups.js";
import { readdirIfExists } from "./paths.js";
import { mountPointsUnder, unmount } from "@strata/layers";
import type { RuncCli } from "./runc-cli.js";

/**
 * Undoes what runs of a process that died (SIGKILL, power loss) left under `stateDir`. Runs
 * of live processes (a concurrent build on the same store) are never touched: a bundle is
 * named `<pid>-<hex>` and only bundles whose pid is gone are cleaned, in the order they were
 * made: the container first (so nothing holds the mounts), then its mount stubs (the rootfs
 * is still mounted or is a plain directory), its rootfs mount and the bundle itself. With no
 * such bundle, no process is started at all.
 */
export async function removeLeftovers(_stateDir: string, layout: StateLayout, runc: () => Promise<RuncCli>): Promise<void> {
  const dead = (await readdirIfExists(layout.bundles)).filter((name) => !processAlive(ownerPid(name) ?? 0));
  if (dead.length === 0) return;
  if (existsSync(layout.runcRoot)) {
    const cli = await runc();
    const containers = new Set(await cli.list());
    for (const id of dead) if (containers.has(id)) await cli.deleteForce(id);
  }
  for (const name of dead) {
    const bundle = path.join(layout.bundles, name);
    const stubs = await loadMountStubs(bundle);
    if (stubs) await removeMountStubs(stubs);
    for (const point of await mountPointsUnder(bundle)) await unmount(point);
    if (stubs) await dropCopyUps(stubs.copyUps);
    await removeBundle(bundle);
  }
}
