import { StrataError, hostPlatform, isNotFound, type ImageConfig } from "@strata/core";
import { stepKey } from "@strata/cache";
import { unpackLayers } from "@strata/layers";
import { readImage } from "@strata/store";
import type { BuildContext } from "../context.js";
import { DEFAULT_PATH, cloneConfig, type StageState } from "./state.js";

/** The config BuildKit starts a `FROM scratch` stage with. */
export function emptyConfig(): ImageConfig {
  const { os, architecture } = hostPlatform();
  return {
    architecture,
    os,
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [] },
    history: [],
  };
}

export function scratchState(label: string): StageState {
  const { key } = stepKey({ kind: "FROM", definition: { image: "scratch", platform: hostPlatform() } });
  return { label, config: emptyConfig(), layers: [], args: new Map(), cmdSetHere: false, key };
}

/** A stage based on an image in the store: its config, and its layers unpacked into snapshots. */
export async function imageState(ctx: BuildContext, ref: string, label = ref): Promise<StageState> {
  let image;
  try {
    image = await readImage(ctx.env.store, ref);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new StrataError("NOT_FOUND", `${ref}: image not found in the store`, {
      hint: `strata cannot pull from registries yet: load it first with \`strata load -i FILE\``,
      cause: e,
    });
  }
  const config = cloneConfig(image.config);
  delete config.created;
  config.config ??= {};
  config.history ??= [];
  ensurePath(config);
  const snapshot = ctx.req.dryRun
    ? undefined
    : await unpackLayers({
        snapshotter: ctx.env.snapshotter,
        applier: ctx.env.applier,
        layers: image.manifest.layers,
        diffIds: config.rootfs.diff_ids,
      });
  const { key } = stepKey({ kind: "FROM", definition: { image: "image" }, inputs: { base: image.manifestDesc.digest } });
  return {
    label,
    config,
    layers: [...image.manifest.layers],
    snapshot,
    args: new Map(),
    cmdSetHere: false,
    baseManifest: image.manifestDesc.digest,
    key,
  };
}

/**
 * BuildKit's rule for every stage: when the base config has no `PATH` variable (an image made by
 * `docker import`, a minimal base from a tar), the default PATH is appended to its Env, so RUN
 * sees it and the built image's config has it. An existing PATH, even empty, is left alone.
 */
function ensurePath(config: ImageConfig): void {
  const env = config.config.Env ?? [];
  if (env.some((kv) => kv === "PATH" || kv.startsWith("PATH="))) return;
  config.config.Env = [...env, `PATH=${DEFAULT_PATH}`];
}

/** A new stage continuing from an earlier stage's result. */
export function inheritState(from: StageState, label: string): StageState {
  return {
    label,
    config: cloneConfig(from.config),
    layers: [...from.layers],
    snapshot: from.snapshot,
    args: new Map(from.args),
    cmdSetHere: false,
    baseManifest: from.baseManifest,
    key: from.key,
  };
}
