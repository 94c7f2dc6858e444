import { DockerfileError, LineFault, sourceLines } from "../errors.js";
import { KNOWN_KEYWORDS } from "../syntax/arguments.js";
import type { Node } from "../syntax/ast.js";
import { decodeSource, parseText, type ParseOptions } from "../syntax/parser.js";
import { convertNode } from "./convert.js";
import { closest } from "./suggest.js";
import type { ArgInstruction, Dockerfile, Instruction, Stage } from "./types.js";

const KEYWORDS_UPPER = KNOWN_KEYWORDS.map((k) => k.toUpperCase());

/**
 * Parse and check a Dockerfile into typed instructions grouped in stages, as BuildKit's
 * instruction parser does: unknown instructions (with a suggestion), bad or unknown flags,
 * wrong argument counts, ONBUILD restrictions, SHELL not in JSON form, instructions before
 * the first FROM other than ARG, duplicate stage names. Throws DockerfileError.
 */
export function parseDockerfile(src: string | Uint8Array, opts: ParseOptions = {}): Dockerfile {
  const file = opts.file ?? "Dockerfile";
  const text = decodeSource(src);

  const fail = (node: Node, message: string, needle?: string, hint?: string): never => {
    const source = sourceLines(text, node.startLine, node.endLine);
    const at = needle ? source.split("\n")[0]!.indexOf(needle) : -1;
    throw new DockerfileError(message, { file, startLine: node.startLine, endLine: node.endLine, source, ...(at >= 0 ? { column: at + 1 } : {}) }, { hint });
  };

  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const stageNames = new Map<string, number>();

  let lastNode: Node | undefined;
  // BuildKit parses the whole file before converting, so a syntax error anywhere wins over
  // a conversion error: keep the first conversion error until parsing has finished.
  let deferred: unknown;
  const convert = (node: Node): void => {
    lastNode = node;
    if (deferred !== undefined) return;
    try {
      convertOne(node);
    } catch (e) {
      deferred = e;
    }
  };
  const convertOne = (node: Node): void => {
    const keyword = node.keyword.toUpperCase();
    // Matched lower-cased, as the parser dispatches (`ſhell` upper-cases to SHELL in JS, but is not SHELL).
    if (!KNOWN_KEYWORDS.includes(node.keyword.toLowerCase())) {
      // A keyword that only upper-cases to a known one is shown as written.
      const shown = KEYWORDS_UPPER.includes(keyword) ? node.keyword : keyword;
      const guess = shown === keyword ? closest(keyword, KEYWORDS_UPPER) : undefined;
      fail(node, `unknown instruction: ${shown}${guess ? ` (did you mean ${guess}?)` : ""}`, node.keyword);
    }
    let instr: Instruction;
    try {
      instr = convertNode(node);
    } catch (e) {
      if (!(e instanceof LineFault)) throw e;
      const flag = /^(?:unknown flag|duplicate flag specified|missing a value on flag|expecting boolean value for flag):? (\S+?),?(?: |$)/.exec(e.message)?.[1];
      return fail(node, e.message, flag ? `--${flag}` : node.keyword, e.hint);
    }

    if (instr.kind === "from") {
      const index = stages.length;
      const base = stageNames.get(instr.image.toLowerCase());
      if (base !== undefined) instr.baseStage = base;
      if (instr.stageName !== undefined) {
        if (stageNames.has(instr.stageName)) fail(node, `duplicate stage name "${instr.stageName}"`, instr.stageName);
        stageNames.set(instr.stageName, index);
      }
      stages.push({ index, name: instr.stageName, from: instr, instructions: [] });
      return;
    }
    const current = stages.at(-1);
    if (!current) {
      if (instr.kind === "arg") {
        metaArgs.push(instr);
        return;
      }
      fail(node, `no build stage in current context: ${keyword} must come after a FROM (only ARG may come before the first FROM)`, node.keyword);
    }
    if ((instr.kind === "copy" || instr.kind === "add") && instr.from !== undefined) {
      const ref = resolveStageRef(instr.from, stageNames, current!.index);
      if (ref === "future") fail(node, `invalid from flag value ${instr.from}: refers to current or future build stage`, "--from");
      if (typeof ref === "number") instr.fromStage = ref;
    }
    current!.instructions.push(instr);
  };
  const ast = parseText(text, file, convert);
  if (deferred !== undefined) throw deferred;

  if (stages.length === 0) {
    fail(lastNode!, "Dockerfile contains no stages to build (no FROM instruction)");
  }
  return { escapeToken: ast.escapeToken, directives: ast.directives, metaArgs, stages, warnings: ast.warnings };
}

function resolveStageRef(ref: string, names: ReadonlyMap<string, number>, current: number): number | "future" | undefined {
  if (/^[0-9]+$/.test(ref)) {
    const n = Number(ref);
    return n < current ? n : "future";
  }
  return names.get(ref.toLowerCase());
}
