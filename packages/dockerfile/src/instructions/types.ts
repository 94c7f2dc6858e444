import type { Heredoc } from "../syntax/ast.js";

interface Base {
  /** Upper-case canonical keyword (`COPY`). */
  keyword: string;
  /** The logical line as BuildKit keeps it (continuations joined). */
  original: string;
  startLine: number;
  endLine: number;
}

export interface FromInstruction extends Base {
  kind: "from";
  /** The image reference as written (may contain `$VAR`). */
  image: string;
  /** `AS name`, lower-cased as BuildKit does. */
  stageName?: string;
  platform?: string;
  /** Index of the earlier stage this FROM builds on, when the image names one. */
  baseStage?: number;
}

export interface RunInstruction extends Base {
  kind: "run";
  /** Shell form (true) or exec/JSON form (false). */
  shell: boolean;
  /** Shell form: [commandText]; exec form: the arguments. */
  cmd: string[];
  /** Raw `--mount` values, in order. */
  mounts: string[];
  network?: string;
  security?: string;
  heredocs: Heredoc[];
}

export interface CommandInstruction extends Base {
  kind: "cmd" | "entrypoint";
  shell: boolean;
  cmd: string[];
}

export interface ShellInstruction extends Base {
  kind: "shell";
  cmd: string[];
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface KeyValueInstruction extends Base {
  kind: "env" | "label";
  /** Raw, unexpanded (quotes still present); see expandInstruction. */
  pairs: KeyValue[];
}

export interface ArgInstruction extends Base {
  kind: "arg";
  args: { key: string; value?: string }[];
}

export interface CopyInstruction extends Base {
  kind: "copy" | "add";
  /** Every argument but the last, as written; heredoc sources appear as their `<<NAME` word. */
  sources: string[];
  dest: string;
  json: boolean;
  from?: string;
  /** Index of the earlier stage `--from` names, when it names one. */
  fromStage?: number;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  excludes: string[];
  checksum?: string;
  keepGitDir: boolean;
  /** ADD --unpack: undefined when not given (BuildKit then decides by source type). */
  unpack?: boolean;
  heredocs: Heredoc[];
}

export interface WorkdirInstruction extends Base {
  kind: "workdir";
  path: string;
}
export interface UserInstruction extends Base {
  kind: "user";
  user: string;
}
export interface ExposeInstruction extends Base {
  kind: "expose";
  /** Sorted as strings, as BuildKit does. */
  ports: string[];
}
export interface VolumeInstruction extends Base {
  kind: "volume";
  paths: string[];
}
export interface StopSignalInstruction extends Base {
  kind: "stopsignal";
  signal: string;
}
export interface MaintainerInstruction extends Base {
  kind: "maintainer";
  name: string;
}

export interface HealthcheckInstruction extends Base {
  kind: "healthcheck";
  none: boolean;
  /** ["NONE"], ["CMD", ...args] (exec form) or ["CMD-SHELL", command]. */
  test?: string[];
  /** Durations in nanoseconds, as in Docker's image config; absent when not given or zero. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface OnbuildInstruction extends Base {
  kind: "onbuild";
  /** The trigger text after ONBUILD, e.g. "RUN echo hi" (what goes into the image config); heredoc bodies and terminators appended as BuildKit does. */
  expression: string;
  inner: Instruction;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CommandInstruction
  | ShellInstruction
  | KeyValueInstruction
  | ArgInstruction
  | CopyInstruction
  | WorkdirInstruction
  | UserInstruction
  | ExposeInstruction
  | VolumeInstruction
  | StopSignalInstruction
  | MaintainerInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

export interface Stage {
  index: number;
  /** Lower-cased, as BuildKit. */
  name?: string;
  from: FromInstruction;
  /** Everything after the FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  escapeToken: "\\" | "`";
  directives: Record<string, string>;
  /** ARGs before the first FROM (global scope, usable in FROM lines). */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  warnings: string[];
}
