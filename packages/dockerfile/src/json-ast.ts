import type { Ast, Heredoc, Node } from "./syntax/ast.js";

/** Version of the JSON AST shape; bumped on any incompatible change. */
export const JSON_AST_VERSION = 1;

export interface JsonInstruction {
  /** Upper-case keyword (`RUN`); `keywordAsWritten` keeps the original case. */
  keyword: string;
  keywordAsWritten: string;
  /** Flags with quotes/escapes processed (`--from=build`). */
  flags: string[];
  /** Raw arguments, exactly as in BuildKit's dump (no expansion, quotes kept in shell form). */
  args: string[];
  /** "exec" for a JSON array, "shell" otherwise (ARG, ENV, ... are always "shell"). */
  form: "exec" | "shell";
  heredocs: Required<Heredoc>[];
  startLine: number;
  endLine: number;
  /** The logical line (continuations joined). */
  original: string;
  comments: string[];
  /** ONBUILD only: the wrapped instruction (same shape; its lines are the ONBUILD's). */
  sub?: JsonInstruction;
}

export interface JsonStage {
  index: number;
  /** `AS name`, lower-cased. */
  name?: string;
  /** The FROM image as written. */
  image: string;
  startLine: number;
  endLine: number;
  /** Indexes into `instructions`: the FROM and everything up to the next FROM. */
  instructions: number[];
}

export interface JsonAst {
  version: typeof JSON_AST_VERSION;
  file: string;
  escapeToken: "\\" | "`";
  directives: Record<string, string>;
  warnings: string[];
  startLine: number;
  endLine: number;
  instructions: JsonInstruction[];
  /** Indexes of the ARG instructions before the first FROM. */
  globalArgs: number[];
  stages: JsonStage[];
}

function instruction(n: Node, heredocs: readonly Heredoc[], lines: { startLine: number; endLine: number }): JsonInstruction {
  const out: JsonInstruction = {
    keyword: n.keyword.toUpperCase(),
    keywordAsWritten: n.keyword,
    flags: n.flags,
    args: n.args,
    form: n.json ? "exec" : "shell",
    heredocs: heredocs.map((h) => ({ name: h.name, fd: h.fd ?? 0, expand: h.expand, chomp: h.chomp, content: h.content })),
    startLine: lines.startLine,
    endLine: lines.endLine,
    original: n.original,
    comments: n.prevComment,
  };
  if (n.sub) out.sub = instruction(n.sub, heredocs, lines);
  return out;
}

/** The stable, documented JSON form of a raw AST (see the package README). */
export function toJsonAst(ast: Ast): JsonAst {
  const instructions = ast.instructions.map((n) => instruction(n, n.heredocs, n));
  const globalArgs: number[] = [];
  const stages: JsonStage[] = [];
  ast.instructions.forEach((n, i) => {
    const kw = n.keyword.toLowerCase();
    if (kw === "from") {
      const named = n.args.length === 3 && n.args[1]!.toLowerCase() === "as";
      stages.push({ index: stages.length, name: named ? n.args[2]!.toLowerCase() : undefined, image: n.args[0] ?? "", startLine: n.startLine, endLine: n.endLine, instructions: [i] });
      return;
    }
    const stage = stages.at(-1);
    if (stage) {
      stage.instructions.push(i);
      stage.endLine = n.endLine;
    } else if (kw === "arg") globalArgs.push(i);
  });
  return {
    version: JSON_AST_VERSION,
    file: ast.file,
    escapeToken: ast.escapeToken,
    directives: ast.directives,
    warnings: ast.warnings,
    startLine: ast.startLine,
    endLine: ast.endLine,
    instructions,
    globalArgs,
    stages,
  };
}
