import { HISTORY_COMMENT } from "../history.js";
import { StrataError } from "@strata/core";
import { expandInstruction, expandWord, parseDockerfile, type Instruction, type Stage } from "@strata/dockerfile";
import type { BuildContext } from "../context.js";
import { applyMetadata, isMetadataInstruction } from "../steps/metadata.js";
import { copyStep } from "../steps/copy.js";
import { runStep } from "../steps/run.js";
import { stepName, trackStep } from "../steps/track.js";
import { workdirStep } from "../steps/workdir.js";
import type { StepInfo } from "../steps/step-info.js";
import { imageState, inheritState, scratchState } from "./from.js";
import { findStage, stageLabel } from "./select.js";
import { addHistory, expansionLookup, type StageState } from "./state.js";
import { recordStepImage } from "./step-images.js";

/** Builds one stage: its base, the base's ONBUILD triggers, then each instruction in order. */
export async function buildStage(ctx: BuildContext, stage: Stage, meta: Map<string, string | undefined>): Promise<StageState> {
  const escape = ctx.dockerfile.escapeToken;
  const label = stageLabel(ctx.dockerfile, stage);
  const total = stage.instructions.length + 1;
  const display = (i: number, text: string) => (label ? stepName(label, i, total, text) : `[${i}/${total}] ${text}`);
  const base = expandWord(stage.from.image, (n) => meta.get(n), escape);
  const identity = (i: number | string) => `${ctx.file}#${stage.name ?? stage.index}#${i}`;
  const state = await trackStep(ctx, label, display(1, `FROM ${base}`), identity(0), stage.from, async () => {
    if (base === "scratch") return scratchState(label);
    const dep = findStage(ctx.dockerfile, base, stage.index);
    if (dep) return inheritState(await ctx.stageResult(dep), label);
    if (findStage(ctx.dockerfile, base)) {
      throw new StrataError("INVALID_ARGUMENT", `stage ${base} is used before it is defined`);
    }
    return imageState(ctx, base, label);
  });
  const triggers = state.config.config.OnBuild ?? [];
  state.config.config.OnBuild = null;
  for (const trigger of triggers) {
    const instr = parseTrigger(trigger, ctx.file, stage.from.startLine);
    await trackStep(ctx, label, display(1, `ONBUILD ${trigger}`), identity(`onbuild:${trigger}`), stage.from, (info) => step(ctx, state, instr, meta, info));
  }
  for (const [i, instr] of stage.instructions.entries()) {
    await trackStep(ctx, label, display(i + 2, instr.original.trim()), identity(i + 1), instr, (info) => step(ctx, state, instr, meta, info));
  }
  return state;
}

/** One instruction, then the image the stage is after it (kept for `history`). */
async function step(ctx: BuildContext, state: StageState, instr: Instruction, meta: Map<string, string | undefined>, info: StepInfo): Promise<void> {
  await dispatch(ctx, state, instr, meta, info);
  if (!ctx.req.dryRun) recordStepImage(state, info.key);
}

async function dispatch(
  ctx: BuildContext,
  state: StageState,
  instr: Instruction,
  meta: Map<string, string | undefined>,
  info: StepInfo,
): Promise<void> {
  if (instr.kind === "arg") return declareArgs(ctx, state, instr, meta);
  if (instr.kind === "run") return runStep(ctx, state, instr, info);
  const expanded = expandInstruction(instr, expansionLookup(state), ctx.dockerfile.escapeToken);
  if (expanded.kind === "copy" || expanded.kind === "add") return copyStep(ctx, state, expanded, info);
  if (expanded.kind === "workdir") return workdirStep(ctx, state, expanded.path, info);
  if (isMetadataInstruction(expanded)) return applyMetadata(state, expanded);
  throw new StrataError("NOT_IMPLEMENTED", `${instr.keyword} is not supported inside a stage`);
}

/** ARG: a build-arg wins, then the default, then the global (pre-FROM) value. */
function declareArgs(
  ctx: BuildContext,
  state: StageState,
  instr: Extract<Instruction, { kind: "arg" }>,
  meta: Map<string, string | undefined>,
): void {
  const parts: string[] = [];
  for (const { key, value } of instr.args) {
    let v: string | undefined;
    if (key in ctx.req.buildArgs) v = ctx.req.buildArgs[key];
    else if (value !== undefined) v = expandWord(value, expansionLookup(state), ctx.dockerfile.escapeToken);
    else v = meta.get(key);
    ctx.unusedArgs.delete(key);
    state.args.set(key, v);
    parts.push(v === undefined ? key : `${key}=${v}`);
  }
  addHistory(state, { created_by: `ARG ${parts.join(" ")}`, comment: HISTORY_COMMENT, empty_layer: true });
}

function parseTrigger(trigger: string, file: string, line: number): Instruction {
  try {
    const df = parseDockerfile(`FROM scratch\n${trigger}\n`, { file: `${file} (ONBUILD trigger)` });
    const instr = df.stages[0]?.instructions[0];
    if (!instr) throw new StrataError("SYNTAX", `empty ONBUILD trigger`);
    return { ...instr, startLine: line, endLine: line };
  } catch (e) {
    throw new StrataError("SYNTAX", `invalid ONBUILD trigger in base image: ${trigger}`, { cause: e });
  }
}
