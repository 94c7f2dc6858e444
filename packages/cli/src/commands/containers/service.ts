import path from "node:path";
import type { ContainerService } from "@strata/runner";
import { storeRoot, type GlobalOptions } from "../../engine.js";

/**
 * The container service of the store root, wired for a CLI run: the snapshotter opens on first
 * need (create and ps never touch snapshots), and conmon's exit command is this same CLI.
 */
export async function openContainers(globals: GlobalOptions): Promise<ContainerService> {
  const [{ openStore }, layers, { ContainerService }] = await Promise.all([
    import("@strata/store"),
    import("@strata/layers"),
    import("@strata/runner"),
  ]);
  const root = await storeRoot(globals);
  const store = await openStore(root);
  return new ContainerService({
    root,
    store,
    snapshotter: () => layers.createSnapshotter(root, globals.storageDriver),
    applier: layers.createApplier(store.content),
    differ: layers.createDiffer(store.content),
    cleanupCommand: (id) => [process.execPath, cliEntry(), "--root", root, "container", "cleanup", id],
  });
}

/** The script this CLI runs from (bin/strata, or dist/bin.js in development). */
function cliEntry(): string {
  return path.resolve(process.argv[1] ?? "strata");
}

/** The store's snapshotter driver without opening (or probing) it: what its metadata records. */
export async function recordedDriver(root: string, fallback: string | undefined): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    const doc = JSON.parse(await readFile(path.join(root, "snapshots", "metadata.json"), "utf8")) as { driver?: string };
    return doc.driver ?? fallback ?? "overlay";
  } catch {
    return fallback ?? "overlay";
  }
}
