import { StrataError, hostPlatform, isNotFound, type Descriptor, type ImageConfig, type Manifest } from "@strata/core";
import { stepKey } from "@strata/cache";
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
  return { label, config: emptyConfig(), layers: [], args: new Map(), cmdSetHere: false, key, baseHistoryLength: 0, steps: [] };
}

/**
 * A stage based on an image: from the store, else (or with `--pull`) resolved on its registry
 * without its layers. Its filesystem is unpacked only when a step needs it (see materialize).
 */
export async function imageState(ctx: BuildContext, ref: string, label = ref): Promise<StageState> {
  const image = await baseImage(ctx, ref);
  const config = cloneConfig(image.config);
  delete config.created;
  config.config ??= {};
  config.history ??= [];
  ensurePath(config);
  const { key } = stepKey({ kind: "FROM", definition: { image: "image" }, inputs: { base: image.manifestDesc.digest } });
  return {
    label,
    config,
    layers: [...image.manifest.layers],
    args: new Map(),
    cmdSetHere: false,
    baseManifest: image.manifestDesc.digest,
    key,
    parentImage: image.manifest.config.digest,
    baseHistoryLength: config.history.length,
    steps: [],
  };
}

async function baseImage(ctx: BuildContext, ref: string): Promise<{ manifestDesc: Descriptor; manifest: Manifest; config: ImageConfig }> {
  const remote = ctx.env.remote;
  if (!ctx.req.pull || !remote) {
    try {
      return await readImage(ctx.env.store, ref);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (!remote) {
        throw new StrataError("NOT_FOUND", `${ref}: image not found in the store`, { hint: `pull it first (\`strata pull ${ref}\`) or load it (\`strata load -i FILE\`)`, cause: e });
      }
    }
  }
  let resolved: Promise<{ manifestDesc: Descriptor; manifest: Manifest; config: ImageConfig }> | undefined = resolving.get(ctx)?.get(ref);
  if (!resolved) {
    resolved = remote.resolveImage(ref);
    let byRef = resolving.get(ctx);
    if (!byRef) resolving.set(ctx, (byRef = new Map()));
    byRef.set(ref, resolved);
  }
  try {
    return await resolved;
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    const unreachable = e.code === "UNAVAILABLE" || e.code === "NOT_FOUND";
    throw new StrataError(e.code, `${ref}: ${ctx.req.pull ? "" : "not in the store, and "}${e.message}`, {
      hint: unreachable ? `${e.hint ? `${e.hint}; ` : ""}or load the image first with \`strata load -i FILE\`` : e.hint,
      cause: e,
    });
  }
}

/** Each reference is resolved once per build (stages and COPY --from may share a base). */
const resolving = new WeakMap<BuildContext, Map<string, Promise<{ manifestDesc: Descriptor; manifest: Manifest; config: ImageConfig }>>>();

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
    parentImage: from.parentImage,
    baseHistoryLength: from.baseHistoryLength,
    steps: [...from.steps],
  };
}
