import { StrataError, type ImageConfig } from "@strata/core";
import type { Instruction } from "@strata/dockerfile";
import { HISTORY_COMMENT, goList, goQuoteList, healthcheckText } from "../history.js";
import { DEFAULT_SHELL, addHistory, setEnv, type StageState } from "../stage/state.js";
import { parseExposedPorts } from "./ports.js";

type MetadataInstruction = Extract<
  Instruction,
  {
    kind:
      | "env" | "label" | "user" | "expose" | "volume" | "cmd" | "entrypoint" | "shell"
      | "stopsignal" | "healthcheck" | "onbuild" | "maintainer";
  }
>;

export const isMetadataInstruction = (i: Instruction): i is MetadataInstruction =>
  ["env", "label", "user", "expose", "volume", "cmd", "entrypoint", "shell", "stopsignal", "healthcheck", "onbuild", "maintainer"].includes(i.kind);

/**
 * Applies an instruction that only changes the image config, and records its history
 * entry (`empty_layer: true`; its time is filled in when the image is written). `instr` has
 * already been variable-expanded.
 */
export function applyMetadata(state: StageState, instr: MetadataInstruction): void {
  const c = state.config.config;
  const createdBy = describe(state.config, instr);
  switch (instr.kind) {
    case "env":
      for (const { key, value } of instr.pairs) setEnv(state.config, key, value);
      break;
    case "label":
      c.Labels = { ...(c.Labels ?? {}) };
      for (const { key, value } of instr.pairs) c.Labels[key] = value;
      break;
    case "user":
      c.User = instr.user;
      break;
    case "expose":
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of parseExposedPorts(instr.ports)) c.ExposedPorts[p] = {};
      break;
    case "volume":
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of instr.paths) {
        if (v.trim() === "") throw new StrataError("INVALID_ARGUMENT", "VOLUME specified can not be an empty string");
        c.Volumes[v] = {};
      }
      break;
    case "cmd":
      c.Cmd = commandArgs(state.config, instr.shell, instr.cmd);
      if (instr.shell) c.ArgsEscaped = true;
      state.cmdSetHere = true;
      break;
    case "entrypoint":
      c.Entrypoint = commandArgs(state.config, instr.shell, instr.cmd);
      if (instr.shell) c.ArgsEscaped = true;
      if (!state.cmdSetHere) c.Cmd = null;
      break;
    case "shell":
      c.Shell = [...instr.cmd];
      break;
    case "stopsignal":
      c.StopSignal = instr.signal;
      break;
    case "healthcheck":
      c.Healthcheck = instr.none
        ? { Test: ["NONE"] }
        : {
            Test: instr.test,
            Interval: instr.interval,
            Timeout: instr.timeout,
            StartPeriod: instr.startPeriod,
            StartInterval: instr.startInterval,
            Retries: instr.retries,
          };
      break;
    case "onbuild":
      c.OnBuild = [...(c.OnBuild ?? []), instr.expression];
      break;
    case "maintainer":
      state.config.author = instr.name;
      break;
  }
  // BuildKit records no history entry for ONBUILD.
  if (instr.kind !== "onbuild") {
    addHistory(state, { created_by: createdBy, comment: HISTORY_COMMENT, empty_layer: true });
  }
}

/** Shell form runs through the stage's SHELL; exec form is taken as written. */
export function commandArgs(config: ImageConfig, shell: boolean, cmd: string[]): string[] {
  if (!shell) return [...cmd];
  return [...(config.config.Shell ?? DEFAULT_SHELL), cmd.join(" ")];
}

function describe(config: ImageConfig, instr: MetadataInstruction): string {
  switch (instr.kind) {
    case "env":
      return `ENV ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(" ")}`;
    case "label":
      return `LABEL ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(" ")}`;
    case "user":
      return `USER ${instr.user}`;
    case "expose":
      return `EXPOSE map[${[...new Set(parseExposedPorts(instr.ports))].sort().map((p) => `${p}:{}`).join(" ")}]`;
    case "volume":
      return `VOLUME ${goList(instr.paths)}`;
    case "cmd":
      return `CMD ${goQuoteList(commandArgs(config, instr.shell, instr.cmd))}`;
    case "entrypoint":
      return `ENTRYPOINT ${goQuoteList(commandArgs(config, instr.shell, instr.cmd))}`;
    case "shell":
      return `SHELL ${goList(instr.cmd)}`;
    case "stopsignal":
      return `STOPSIGNAL ${instr.signal}`;
    case "healthcheck":
      return `HEALTHCHECK ${healthcheckText(instr)}`;
    case "onbuild":
      return `ONBUILD ${instr.expression}`;
    case "maintainer":
      return `MAINTAINER ${instr.name}`;
  }
}
