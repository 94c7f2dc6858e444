import { mkdir } from "node:fs/promises";
import path from "node:path";
import { cleanPath, resolveInRoot, type Mount } from "@strata/core";
import { withMounted } from "@strata/layers";
import type { BuildContext } from "../context.js";
import type { StageState } from "../stage/state.js";
import { layerStep } from "./layer.js";

/** WORKDIR: relative paths join the previous one; the directory is created when missing. */
export async function workdirStep(ctx: BuildContext, state: StageState, dir: string): Promise<void> {
  const wd = dir.startsWith("/") ? cleanPath(dir) : cleanPath(path.posix.join(state.config.config.WorkingDir || "/", dir));
  state.config.config.WorkingDir = wd;
  await layerStep(ctx, state, `WORKDIR ${wd}`, (mounts: Mount[]) =>
    withMounted(mounts, async (root) => {
      await mkdir(await resolveInRoot(root, wd), { recursive: true, mode: 0o755 });
    }),
  );
}
