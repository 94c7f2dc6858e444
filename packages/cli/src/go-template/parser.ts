import { usageError } from "../errors.js";
import { splitTemplate, type Token } from "./lexer.js";

export type Operand =
  | { kind: "field"; names: string[] }
  | { kind: "variable"; name: string; fields: string[] }
  | { kind: "literal"; value: unknown }
  | { kind: "call"; name: string }
  | { kind: "sub"; pipeline: Pipeline; fields: string[] };

/** One command of a pipeline: a function with its arguments, or a single value. */
export type Command = Operand[];

export interface Pipeline {
  declare: string[]; // `$x :=` or `$i, $e :=` (range)
  assign: boolean; // `$x = …`
  commands: Command[];
}

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: Pipeline }
  | { kind: "if" | "with" | "range"; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

const BLOCKS = new Set(["if", "with", "range"]);

/** Parses a Go text/template (the subset Docker's --format users write) into a tree. */
export function parseTemplate(template: string): Node[] {
  const pieces = splitTemplate(template);
  let at = 0;

  /** Nodes up to a closing `end` / `else` when `inBlock`; returns what ended them. */
  function list(inBlock: boolean): { nodes: Node[]; ended: "end" | "else" | "eof"; elseTokens?: Token[] } {
    const nodes: Node[] = [];
    while (at < pieces.length) {
      const piece = pieces[at++]!;
      if (piece.kind === "text") {
        nodes.push({ kind: "text", text: piece.text });
        continue;
      }
      const [first, ...rest] = piece.tokens;
      const keyword = first?.kind === "ident" ? first.name : undefined;
      if (keyword === "end" || keyword === "else") {
        if (!inBlock) throw usageError(`template: unexpected {{${piece.source}}}`);
        return { nodes, ended: keyword, elseTokens: keyword === "else" ? rest : undefined };
      }
      if (keyword && BLOCKS.has(keyword)) {
        nodes.push(block(keyword as "if" | "with" | "range", rest, piece.source));
        continue;
      }
      if (keyword === "define" || keyword === "template" || keyword === "block") {
        throw usageError(`template: {{${keyword}}} is not supported`);
      }
      nodes.push({ kind: "action", pipeline: pipeline(piece.tokens, piece.source) });
    }
    if (inBlock) throw usageError("template: unexpected EOF (missing {{end}})");
    return { nodes, ended: "eof" };
  }

  function block(kind: "if" | "with" | "range", tokens: Token[], source: string): Node {
    const pipe = pipeline(tokens, source);
    const body = list(true);
    let otherwise: Node[] = [];
    if (body.ended === "else") {
      const elseTokens = body.elseTokens ?? [];
      const chained = elseTokens[0]?.kind === "ident" ? elseTokens[0].name : undefined;
      if (chained === "if" || chained === "with") {
        // {{else if …}} is an if nested in the else branch, sharing its {{end}}.
        otherwise = [block(chained, elseTokens.slice(1), source)];
      } else {
        const rest = list(true);
        if (rest.ended !== "end") throw usageError("template: {{else}} after {{else}}");
        otherwise = rest.nodes;
      }
    }
    return { kind, pipeline: pipe, body: body.nodes, otherwise };
  }

  return list(false).nodes;
}

function pipeline(tokens: Token[], source: string): Pipeline {
  let i = 0;
  const declare: string[] = [];
  let assign = false;
  // Declarations: `$x :=`, `$i, $e :=`, or `$x =`.
  const lookahead = tokens.findIndex((t) => t.kind === "punct" && (t.value === ":=" || t.value === "="));
  if (lookahead > 0 && tokens.slice(0, lookahead).every((t) => t.kind === "variable" || (t.kind === "punct" && t.value === ","))) {
    for (const t of tokens.slice(0, lookahead)) if (t.kind === "variable") declare.push(t.name);
    assign = (tokens[lookahead] as { value: string }).value === "=";
    i = lookahead + 1;
  }
  const parsed = commands(tokens, i, source, false);
  return { declare, assign, commands: parsed.commands };
}

function commands(tokens: Token[], start: number, source: string, nested: boolean): { commands: Command[]; next: number } {
  const out: Command[] = [];
  let current: Command = [];
  let i = start;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "punct" && t.value === "|") {
      if (current.length === 0) throw usageError(`template: missing command before | in {{${source}}}`);
      out.push(current);
      current = [];
    } else if (t.kind === "punct" && t.value === ")") {
      if (!nested) throw usageError(`template: unexpected ) in {{${source}}}`);
      break;
    } else if (t.kind === "punct" && t.value === "(") {
      const inner = commands(tokens, i + 1, source, true);
      i = inner.next;
      const after = tokens[i + 1];
      const fields = after?.kind === "fieldOf" ? after.names : [];
      if (after?.kind === "fieldOf") i++;
      current.push({ kind: "sub", pipeline: { declare: [], assign: false, commands: inner.commands }, fields });
    } else {
      current.push(operand(t, source));
    }
  }
  if (nested && tokens[i]?.kind !== "punct") throw usageError(`template: unclosed ( in {{${source}}}`);
  if (current.length) out.push(current);
  if (out.length === 0) throw usageError(`template: missing value in {{${source}}}`);
  return { commands: out, next: i };
}

function operand(t: Token, source: string): Operand {
  switch (t.kind) {
    case "field":
      return { kind: "field", names: t.names };
    case "variable":
      return { kind: "variable", name: t.name, fields: t.fields };
    case "string":
    case "number":
      return { kind: "literal", value: t.value };
    case "ident":
      if (t.name === "true" || t.name === "false") return { kind: "literal", value: t.name === "true" };
      if (t.name === "nil") return { kind: "literal", value: null };
      return { kind: "call", name: t.name };
    default:
      throw usageError(`template: unexpected token in {{${source}}}`);
  }
}
