import { mkdir, mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import { mountAll, unmount } from "./mount.js";

const probes = new Map<string, Promise<boolean>>();

/**
 * Whether an overlay mount works with its layers on the filesystem holding `root` (needs
 * root privileges and a backing filesystem overlay accepts as upper, e.g. not overlay
 * itself). The answer is cached per root for the life of the process.
 */
export function overlayAvailable(root: string): Promise<boolean> {
  const key = path.resolve(root);
  let probe = probes.get(key);
  if (!probe) {
    probe = probeOverlay(key);
    probes.set(key, probe);
  }
  return probe;
}

async function probeOverlay(root: string): Promise<boolean> {
  if (process.platform !== "linux") return false;
  let dir: string | undefined;
  try {
    await mkdir(root, { recursive: true });
    dir = await mkdtemp(path.join(root, ".overlay-probe-"));
    const [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map((d) => path.join(dir!, d));
    for (const d of [lower, upper, work, merged]) await mkdir(d!);
    await writeFile(path.join(lower!, "probe"), "lower");
    await mountAll(
      [{ type: "overlay", source: "overlay", options: [`workdir=${work}`, `upperdir=${upper}`, `lowerdir=${lower}`] }],
      merged!,
    );
    try {
      return (await readFile(path.join(merged!, "probe"), "utf8")) === "lower";
    } finally {
      await unmount(merged!);
    }
  } catch {
    return false;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
