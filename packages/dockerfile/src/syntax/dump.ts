import type { Node } from "./ast.js";
import { goQuote } from "./go-quote.js";
import { trimSpace } from "./unicode.js";

/**
 * One instruction in the S-expression format of BuildKit's parser fixtures, without the
 * surrounding parentheses' trailing newline: `(copy ["--from=a"] "x" "/y")`.
 */
export function dumpInstruction(node: Node): string {
  return `(${dumpBody(node)})`;
}

function dumpBody(node: Node): string {
  let s = node.keyword.toLowerCase();
  if (node.flags.length > 0) s += " [" + node.flags.map(goQuote).join(" ") + "]";
  if (node.sub) s += " (" + dumpBody(node.sub) + ")";
  for (const arg of node.args) s += " " + goQuote(arg);
  return trimSpace(s);
}

/** The whole AST, one line per instruction, as in BuildKit's `result` files. */
export function dumpAst(instructions: readonly Node[]): string {
  let out = "";
  for (const node of instructions) out += dumpInstruction(node) + "\n";
  return out;
}
