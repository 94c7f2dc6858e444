import { StrataError, type ImageConfig } from "@strata/core";

/** One history entry of an image, tied to the layer it made (if any). */
export interface Step {
  /** Position in the config's history (0 = oldest). */
  index: number;
  createdBy: string;
  comment: string;
  created?: string;
  /** Metadata-only (`empty_layer`). */
  empty: boolean;
  /** The layer it made: an index into the image's layers. */
  layer?: number;
}

/**
 * The steps an image was made of, from its config's history. An image without history, or
 * whose history does not account for its layers, cannot be explained step by step: that is an
 * error naming the image (`what`).
 */
export function stepsOf(config: ImageConfig, layerCount: number, what: string): Step[] {
  const history = config.history;
  if (!Array.isArray(history) || (history.length === 0 && layerCount > 0)) {
    throw new StrataError("INVALID_ARGUMENT", `${what}: the image has no history (its config lists no history entries)`);
  }
  let layer = 0;
  const steps = history.map((h, index): Step => {
    const empty = h.empty_layer === true;
    const step: Step = { index, createdBy: h.created_by ?? "", comment: h.comment ?? "", created: h.created, empty };
    if (!empty) step.layer = layer++;
    return step;
  });
  if (layer !== layerCount) {
    throw new StrataError("INVALID_ARGUMENT", `${what}: the history lists ${layer} layer step${layer === 1 ? "" : "s"} but the image has ${layerCount} layer${layerCount === 1 ? "" : "s"}`);
  }
  return steps;
}
