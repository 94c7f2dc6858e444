import path from "node:path";
import { StrataError, cleanPath, type ImageConfig } from "@strata/core";
import { parseDockerfile } from "@strata/dockerfile";
import { cloneConfig, type StageState } from "./stage/state.js";
import { applyMetadata, isMetadataInstruction } from "./steps/metadata.js";

/** The instructions `docker commit --change` accepts. */
const COMMIT_CHANGES = ["cmd", "entrypoint", "env", "expose", "healthcheck", "label", "onbuild", "stopsignal", "user", "volume", "workdir"];

/**
 * Applies Dockerfile instructions to an image config as `docker commit -c` does: only the
 * config-only instructions (and WORKDIR, which sets the directory without making it), with the
 * same rules as in a build. History is left as it was (commit adds its own entry).
 */
export function applyConfigChanges(config: ImageConfig, changes: readonly string[]): ImageConfig {
  const state: StageState = { label: "commit", config: cloneConfig(config), layers: [], args: new Map(), cmdSetHere: false, baseHistoryLength: 0, steps: [] };
  state.config.config ??= {};
  const history = state.config.history ? [...state.config.history] : undefined;
  for (const change of changes) {
    const instructions = parseDockerfile(`FROM scratch\n${change}\n`, { file: "--change" }).stages[0]?.instructions ?? [];
    for (const instr of instructions) {
      if (instr.kind === "from") continue;
      if (!COMMIT_CHANGES.includes(instr.kind)) {
        throw new StrataError("INVALID_ARGUMENT", `${instr.kind.toUpperCase()} is not a valid change command`);
      }
      if (instr.kind === "workdir") {
        const cur = state.config.config.WorkingDir || "/";
        state.config.config.WorkingDir = instr.path.startsWith("/") ? cleanPath(instr.path) : cleanPath(path.posix.join(cur, instr.path));
      } else if (isMetadataInstruction(instr)) {
        applyMetadata(state, instr);
      }
    }
  }
  if (history) state.config.history = history;
  else delete state.config.history;
  return state.config;
}
