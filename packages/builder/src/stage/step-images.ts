import type { Digest, ImageConfig } from "@strata/core";
import type { StageState } from "./state.js";

/**
 * The image a stage was after one of its steps. The legacy builder committed one per
 * instruction, so `history` names a real image on every step built here; strata records the
 * same for the steps the result is made of. The history is taken from the final image when the
 * chain is written (see image-chain.ts), so each step image's history is exactly a prefix of
 * its descendants'.
 */
export interface StepImage {
  /** The config after the step, without its history. */
  config: Omit<ImageConfig, "history">;
  /** How many history entries the image has: the step's own entry is the last one. */
  historyLength: number;
  /** How many layers it has. */
  layerCount: number;
  /** The step's cache key, when it made a layer. */
  key?: Digest;
}

/** Remember the stage as it is now, if the step just run added a history entry. */
export function recordStepImage(state: StageState, key: Digest | undefined): void {
  const historyLength = state.config.history?.length ?? 0;
  if (historyLength === (state.steps.at(-1)?.historyLength ?? state.baseHistoryLength)) return;
  const { history: _history, ...config } = state.config;
  state.steps.push({ config: structuredClone(config), historyLength, layerCount: state.layers.length, key });
}
