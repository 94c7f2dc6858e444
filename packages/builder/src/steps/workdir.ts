import { chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { cleanPath, resolveInRoot, type Mount } from "@strata/core";
import { withMounted } from "@strata/layers";
import type { BuildContext } from "../context.js";
import { resolveOwner } from "../copy/index.js";
import type { StageState } from "../stage/state.js";
import { layerStep } from "./layer.js";
import type { StepInfo } from "./step-info.js";

/**
 * WORKDIR: relative paths join the previous one; missing directories are created, owned by
 * the stage's USER (as BuildKit does). It always adds a layer, empty when nothing was created.
 */
export async function workdirStep(ctx: BuildContext, state: StageState, dir: string, info: StepInfo): Promise<void> {
  const wd = dir.startsWith("/") ? cleanPath(dir) : cleanPath(path.posix.join(state.config.config.WorkingDir || "/", dir));
  state.config.config.WorkingDir = wd;
  const user = state.config.config.User ?? "";
  const createdBy = `WORKDIR ${wd}`;
  await layerStep(ctx, state, info, { createdBy, kind: "WORKDIR", definition: { text: createdBy, user } }, (mounts: Mount[]) =>
    withMounted(mounts, async (root) => {
      const target = await resolveInRoot(root, wd);
      const first = await mkdir(target, { recursive: true, mode: 0o755 });
      if (!first || !user) return;
      const { uid, gid } = await resolveOwner(root, user);
      for (let p = target; p.length >= first.length; p = path.dirname(p)) await chown(p, uid, gid);
    }),
  );
}
