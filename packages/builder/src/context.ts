import type { ContextHasher } from "@strata/cache";
import type { Dockerfile, Stage } from "@strata/dockerfile";
import type { BuildEnv, BuildRequest, StepReport } from "./types.js";
import type { StageState } from "./stage/state.js";

/** What every step of one build shares. */
export interface BuildContext {
  env: BuildEnv;
  req: BuildRequest;
  dockerfile: Dockerfile;
  /** Dockerfile name shown in locations. */
  file: string;
  /** Context paths `.dockerignore` excludes (true = excluded). */
  ignore: (relPath: string) => boolean;
  /** ISO time written as `created` (SOURCE_DATE_EPOCH when set). */
  created: string;
  /** Results of stages, started on demand; a stage awaits the stages it reads from. */
  stageResult: (stage: Stage) => Promise<StageState>;
  /** Build args not yet consumed by any ARG, for the "not consumed" warning. */
  unusedArgs: Set<string>;
  /** Next progress step number. */
  nextStepId: () => string;
  steps: StepReport[];
  /** Content checksums of the build context, opened on first use. */
  contextHasher: () => Promise<ContextHasher>;
  signal?: AbortSignal;
}
