// @strata/dockerfile: BuildKit-compatible Dockerfile parsing, pure TypeScript, no I/O.
export { DockerfileError, isDockerfileError, type DockerfileLocation } from "./errors.js";

// Raw AST, exactly what BuildKit's parser produces (and its fixture dump format).
export type { Ast, Directive, Heredoc, Node } from "./syntax/ast.js";
export { parse, type ParseOptions } from "./syntax/parser.js";
export { dumpAst, dumpInstruction } from "./syntax/dump.js";
export { goQuote } from "./syntax/go-quote.js";

// Typed instructions and stages.
export type {
  ArgInstruction,
  CommandInstruction,
  CopyInstruction,
  Dockerfile,
  ExposeInstruction,
  FromInstruction,
  HealthcheckInstruction,
  Instruction,
  KeyValue,
  KeyValueInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  RunInstruction,
  ShellInstruction,
  Stage,
  StopSignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from "./instructions/types.js";
export { parseDockerfile } from "./instructions/dockerfile.js";
export { expandInstruction } from "./instructions/expand.js";
export { parseDuration, validateChmod, validateChown, validatePort } from "./instructions/public-values.js";

// Variable expansion (BuildKit's shell-word rules).
export { expandWord, expandWords, lookupIn, type Lookup } from "./shell/expand.js";

// The JSON AST of `strata parse --format json`.
export { JSON_AST_VERSION, toJsonAst, type JsonAst, type JsonInstruction, type JsonStage } from "./json-ast.js";
