import { StrataError } from "@strata/core";
import type { Dockerfile, Instruction, Stage } from "@strata/dockerfile";

/** Finds a stage by name (case-insensitive) or index, as `FROM name` and `COPY --from=` do. */
export function findStage(df: Dockerfile, ref: string, before = df.stages.length): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = df.stages.find((s) => s.index < before && s.name === lower);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return df.stages[i];
  }
  return undefined;
}

/** The stage `--target` names, or the last one. */
export function targetStage(df: Dockerfile, target: string | undefined): Stage {
  if (target === undefined) return df.stages[df.stages.length - 1]!;
  const stage = df.stages.find((s) => s.name === target.toLowerCase());
  if (!stage) {
    const names = df.stages.map((s) => s.name).filter(Boolean);
    throw new StrataError("INVALID_ARGUMENT", `failed to reach build target ${target} in Dockerfile`, {
      hint: names.length ? `stages are: ${names.join(", ")}` : "no stage has a name (use FROM image AS name)",
    });
  }
  return stage;
}

/**
 * Stages `stage` depends on: its FROM when that names an earlier stage, and every
 * `COPY --from` / `RUN --mount from=` naming one. `expand` turns a raw reference into its value.
 */
export function stageDependencies(df: Dockerfile, stage: Stage, expand: (word: string) => string): Stage[] {
  const deps = new Set<Stage>();
  const add = (ref: string | undefined) => {
    if (!ref) return;
    const dep = findStage(df, expand(ref), stage.index);
    if (dep) deps.add(dep);
  };
  add(stage.from.image);
  const visit = (instr: Instruction) => {
    if ((instr.kind === "copy" || instr.kind === "add") && instr.from) add(instr.from);
    if (instr.kind === "run") for (const m of instr.mounts) add(/(?:^|,)from=([^,]+)/.exec(m)?.[1]);
  };
  stage.instructions.forEach(visit);
  return [...deps];
}

/** The stages needed to build `target`, in Dockerfile order. */
export function reachableStages(df: Dockerfile, target: Stage, expand: (word: string) => string): Stage[] {
  const seen = new Set<Stage>();
  const walk = (s: Stage) => {
    if (seen.has(s)) return;
    seen.add(s);
    stageDependencies(df, s, expand).forEach(walk);
  };
  walk(target);
  return df.stages.filter((s) => seen.has(s));
}

/** How progress, reports and `--no-cache-filter` name a stage: its name, "stage-N", or "" for an unnamed last stage (as BuildKit shows it). */
export function stageLabel(df: Dockerfile, stage: Stage): string {
  return stage.name ?? (stage.index === df.stages.length - 1 ? "" : `stage-${stage.index}`);
}
