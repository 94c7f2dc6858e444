import type { Descriptor, Digest, ImageConfig } from "@strata/core";
import { PARENT_ANNOTATION, STEP_KEY_ANNOTATION, writeImages, type Store } from "@strata/store";
import type { StageState } from "./stage/state.js";

/**
 * Writes the build result and one image per step it is made of (untagged entries whose
 * `PARENT_ANNOTATION` chains each to the one before, the first to the FROM image), then
 * records them and the tags in one index update. Each step image takes its history from the
 * final config, so its ID depends only on what the final image is: a cached rebuild finds
 * every record in place and writes nothing new.
 */
export async function writeBuildResult(
  store: Store,
  final: StageState,
  config: ImageConfig,
  tags: string[],
): Promise<{ manifest: Descriptor; configDigest: Digest }> {
  const history = config.history ?? [];
  const steps = final.steps.filter((s) => s.historyLength < history.length);
  const images = [
    ...steps.map((s) => ({ config: stepConfig(s.config, history.slice(0, s.historyLength)), layers: final.layers.slice(0, s.layerCount) })),
    { config, layers: final.layers },
  ];
  const written = await writeImages(store, images);
  const keys = [...steps.map((s) => s.key), final.steps.at(-1)?.historyLength === history.length ? final.steps.at(-1)!.key : undefined];
  let parent = final.parentImage;
  const entries = written.map((w, i) => {
    const annotations: Record<string, string> = {};
    if (parent && parent !== w.configDigest) annotations[PARENT_ANNOTATION] = parent;
    if (keys[i]) annotations[STEP_KEY_ANNOTATION] = keys[i]!;
    parent = w.configDigest;
    return { ...w.manifest, annotations };
  });
  const result = entries.at(-1)!;
  // An untagged build result is kept as a dangling image, as `docker build .` keeps it.
  await store.images.putImages([
    ...entries.slice(0, -1).map((target) => ({ target })),
    ...(tags.length ? tags.map((name) => ({ name, target: result })) : [{ target: result }]),
  ]);
  const { annotations: _a, ...manifest } = result;
  return { manifest, configDigest: written.at(-1)!.configDigest };
}

/** A step image's config: as the stage was then, with the final image's history up to the step. */
function stepConfig(config: Omit<ImageConfig, "history">, history: ImageConfig["history"] & object): ImageConfig {
  const created = history.map((h) => h.created ?? "").filter(Boolean).sort().at(-1);
  return { ...config, ...(created ? { created } : {}), history };
}
