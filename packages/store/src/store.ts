import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { StrataError, writeFileAtomic } from "@strata/core";
import { cleanIngest, LocalContentStore } from "./content-store.js";
import { fsError } from "./fs-errors.js";
import { IndexImageStore } from "./image-store.js";
import { emptyIndex, writeIndex } from "./index-file.js";
import { OCI_LAYOUT_JSON, layoutPaths } from "./layout.js";
import { withStoreLock } from "./lock.js";
import type { ContentStore, ImageStore } from "./types.js";

export interface Store {
  readonly root: string;
  readonly content: ContentStore;
  readonly images: ImageStore;
}

/** `$STRATA_ROOT`, else /var/lib/strata for root, else `$XDG_DATA_HOME/strata` or ~/.local/share/strata. */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_ROOT) return path.resolve(env.STRATA_ROOT);
  if (process.getuid?.() === 0) return "/var/lib/strata";
  const data = env.XDG_DATA_HOME || path.join(homedir(), ".local", "share");
  return path.join(data, "strata");
}

/** Open (creating if needed) the store at `root`; leftovers of dead writers are removed. */
export async function openStore(rootIn: string): Promise<Store> {
  const root = path.resolve(rootIn);
  const p = layoutPaths(root);
  try {
    await mkdir(root, { recursive: true });
    const st = await stat(root);
    if (!st.isDirectory()) throw new StrataError("INVALID_ARGUMENT", `store root ${root}: not a directory`);
    await access(root, constants.W_OK | constants.X_OK);
    for (const dir of [p.blobs, p.ingest, p.leases]) await mkdir(dir, { recursive: true });
  } catch (e) {
    throw fsError(e, `store root ${root}`);
  }
  if (!(await exists(p.ociLayout)) || !(await exists(p.index))) {
    await withStoreLock(root, async () => {
      try {
        if (!(await exists(p.ociLayout))) await writeFileAtomic(p.ociLayout, OCI_LAYOUT_JSON);
      } catch (e) {
        throw fsError(e, `store root ${root}`);
      }
      if (!(await exists(p.index))) await writeIndex(root, emptyIndex());
    });
  }
  await cleanIngest(root);
  return { root, content: new LocalContentStore(root), images: new IndexImageStore(root) };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
