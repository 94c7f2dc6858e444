import { LineFault } from "../errors.js";
import { lexWord } from "../shell/lexer.js";
import type { Heredoc } from "./ast.js";

const HEREDOC_KEYWORDS = new Set(["add", "copy", "run"]);
// Go's `\s` is [\t\n\f\r ]; `\d` is ASCII.
const HEREDOC_WORD = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;
const unset = (): undefined => undefined;

/** Whether an instruction may open heredocs (ADD/COPY/RUN, also under ONBUILD, not in JSON form). */
export function mayHaveHeredocs(keywordLower: string, json: boolean): boolean {
  return HEREDOC_KEYWORDS.has(keywordLower) && !json;
}

/**
 * The heredoc openers on a logical line, left to right. The line is cut into shell words with
 * quotes and escapes kept; if it cannot be (an unbalanced quote), there are no heredocs.
 */
export function heredocsFromLine(line: string): Omit<Heredoc, "content">[] {
  let words: string[];
  try {
    words = lexWord(line, unset, { escapeToken: "\\", rawQuotes: true, rawEscapes: true, skipUnset: true, glueHeredocOpeners: true }).words;
  } catch (e) {
    if (e instanceof LineFault) return [];
    throw e;
  }
  const docs: Omit<Heredoc, "content">[] = [];
  for (const word of words) {
    const doc = parseHeredocWord(word);
    if (doc) docs.push(doc);
  }
  return docs;
}

/** One word such as `<<EOF`, `3<<-"EOF"`; undefined if it does not open a heredoc. */
export function parseHeredocWord(word: string): Omit<Heredoc, "content"> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const fd = m[1] === "" ? 0 : Number(m[1]);
  const chomp = m[2] === "-";
  const rawName = m[3]!;
  const plain = lexWord(rawName, unset, { escapeToken: "\\", skipUnset: true }).words;
  if (plain.length !== 1) return undefined;
  const quoted = lexWord(rawName, unset, { escapeToken: "\\", skipUnset: true, rawQuotes: true }).words;
  if (quoted.length !== 1) throw new LineFault(`internal lexing of heredoc produced inconsistent results: ${rawName}`);
  const name = plain[0]!;
  // A quote removed anywhere in the name turns expansion of the body off.
  const expand = countQuotes(name) === countQuotes(quoted[0]!);
  return { name, fd, expand, chomp };
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x27) n++;
  }
  return n;
}

/** `<<-` bodies: leading tabs removed from every line (what the typed AST exposes). */
export function stripLeadingTabs(content: string): string {
  // Go's (?m)^ only matches after "\n", so split on that alone.
  return content
    .split("\n")
    .map((line) => line.replace(/^\t+/, ""))
    .join("\n");
}

/** parseHeredocWord, with a malformed name counting as "not a heredoc" (BuildKit's MustParseHeredoc). */
export function isHeredocWord(word: string): boolean {
  try {
    return parseHeredocWord(word) !== undefined;
  } catch (e) {
    if (e instanceof LineFault) return false;
    throw e;
  }
}
