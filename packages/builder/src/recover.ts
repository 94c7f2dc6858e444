import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { processAlive } from "@strata/core";
import type { Snapshotter } from "@strata/layers";


/**
 * Undoes what an interrupted build (SIGKILL, power loss) left behind: mounts under the store
 * root and active snapshots whose build process is gone. Committed data is never touched.
 */
export async function recoverInterruptedBuilds(root: string, snapshotter: Snapshotter): Promise<void> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const stale = mountinfo
    .split("\n")
    .map((l) => l.split(" ")[4]?.replace(/\\040/g, " "))
    .filter((m): m is string => !!m && m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of stale) {
    if (await mountOwnerAlive(target)) continue;
    await execa("umount", ["-l", target], { reject: false });
  }
  const orphans: string[] = [];
  await snapshotter.walk((info) => {
    const pid = Number(info.labels["strata.io/build-pid"]);
    if (info.kind !== "committed" && pid && !processAlive(pid)) orphans.push(info.name);
  });
  for (const key of orphans) await snapshotter.remove(key).catch(() => {});
  await snapshotter.cleanup();
}

/** Temporary mounts live under directories named with the owning pid (`…-<pid>-…`). */
async function mountOwnerAlive(target: string): Promise<boolean> {
  const m = /-(\d+)-[0-9a-f]+/.exec(target);
  return m ? processAlive(Number(m[1])) : false;
}
