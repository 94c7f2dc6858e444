import { processAlive } from "@strata/core";
import { mountPointsUnder, unmount, type Snapshotter } from "@strata/layers";

/**
 * Undoes what an interrupted build (SIGKILL, power loss) left behind: mounts under the store
 * root and active snapshots whose build process is gone. Committed data is never touched, and
 * neither is anything of a live build sharing the store.
 */
export async function recoverInterruptedBuilds(root: string, snapshotter: Snapshotter): Promise<void> {
  for (const target of await mountPointsUnder(root)) {
    if (target === root) continue;
    const owner = ownerOfPath(target.slice(root.length));
    if (owner !== undefined && !processAlive(owner)) await unmount(target);
  }
  const orphans: string[] = [];
  await snapshotter.walk((info) => {
    const pid = Number(info.labels["strata.io/build-pid"]);
    if (info.kind !== "committed" && pid && !processAlive(pid)) orphans.push(info.name);
  });
  for (const key of orphans) await snapshotter.remove(key).catch(() => {});
  await snapshotter.cleanup();
}

/**
 * Temporary directories are named with their owner's pid: `run-<pid>-<hex>`, `<pid>-<hex>`.
 * A mount whose owner cannot be told is left alone: it may belong to a live build.
 */
function ownerOfPath(rel: string): number | undefined {
  for (const part of rel.split("/")) {
    const m = /(?:^|-)(\d+)-[0-9a-zA-Z]{6,}$/.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}
