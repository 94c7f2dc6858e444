import { usageError } from "../errors.js";

/** One piece of a template: literal text, or the inside of a `{{ … }}` action. */
export type Piece = { kind: "text"; text: string } | { kind: "action"; tokens: Token[]; source: string };

export type Token =
  | { kind: "field"; names: string[] } // .A.B (names empty for ".")
  | { kind: "variable"; name: string; fields: string[] } // $x.A, "$" for the root
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "ident"; name: string } // functions, keywords, true/false/nil
  | { kind: "punct"; value: "|" | "(" | ")" | ":=" | "=" | "," }
  | { kind: "fieldOf"; names: string[] }; // .A after a closing parenthesis: (x).A

/**
 * Splits a Go text/template into text and actions, honouring the trim markers `{{- ` and ` -}}`
 * and skipping comments (`{{/* … *\/}}`).
 */
export function splitTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    let text = template.slice(i, open < 0 ? undefined : open);
    if (trimNextText) text = text.replace(/^\s+/, "");
    trimNextText = false;
    if (open < 0) {
      if (text) pieces.push({ kind: "text", text });
      break;
    }
    let start = open + 2;
    if (template.startsWith("- ", start) || template.startsWith("-\t", start) || template.startsWith("-\n", start)) {
      text = text.replace(/\s+$/, "");
      start += 1;
    }
    if (text) pieces.push({ kind: "text", text });
    const close = findClose(template, start);
    let end = close;
    if (/\s-$/.test(template.slice(start, close))) {
      end = close - 1;
      trimNextText = true;
    }
    const source = template.slice(start, end).trim();
    i = close + 2;
    if (source.startsWith("/*")) continue;
    pieces.push({ kind: "action", tokens: tokenize(source), source });
  }
  return pieces;
}

/** The index of the `}}` closing an action that starts at `from`, skipping quoted strings. */
function findClose(template: string, from: number): number {
  for (let i = from; i < template.length; i++) {
    const c = template[i];
    if (c === '"' || c === "`") {
      const quote = c;
      for (i++; i < template.length && template[i] !== quote; i++) if (quote === '"' && template[i] === "\\") i++;
    } else if (c === "}" && template[i + 1] === "}") return i;
  }
  throw usageError(`template: unclosed action in ${JSON.stringify(template)}`);
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const FIELDS = /(?:\.[A-Za-z_][A-Za-z0-9_]*)+/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(source);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const fieldNames = (s: string) => s.split(".").slice(1);
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "|" || c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: "punct", value: c });
      i++;
      if (c === ")") {
        const fields = match(FIELDS);
        if (fields) tokens.push({ kind: "fieldOf", names: fieldNames(fields) });
      }
    } else if (source.startsWith(":=", i)) {
      tokens.push({ kind: "punct", value: ":=" });
      i += 2;
    } else if (c === "=") {
      tokens.push({ kind: "punct", value: "=" });
      i++;
    } else if (c === ".") {
      const fields = match(FIELDS);
      if (fields) tokens.push({ kind: "field", names: fieldNames(fields) });
      else {
        tokens.push({ kind: "field", names: [] });
        i++;
      }
    } else if (c === "$") {
      i++;
      const name = match(IDENT) ?? "";
      const fields = match(FIELDS);
      tokens.push({ kind: "variable", name: `$${name}`, fields: fields ? fieldNames(fields) : [] });
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      tokens.push({ kind: "string", value: JSON.parse(source.slice(i, j + 1).replace(/\\'/g, "'")) as string });
      i = j + 1;
    } else if (c === "`") {
      const j = source.indexOf("`", i + 1);
      tokens.push({ kind: "string", value: source.slice(i + 1, j) });
      i = j + 1;
    } else if (/[-+0-9]/.test(c)) {
      const m = match(/[-+]?(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/y);
      if (!m) throw usageError(`template: bad number in {{${source}}}`);
      tokens.push({ kind: "number", value: Number(m) });
    } else {
      const name = match(IDENT);
      if (!name) throw usageError(`template: unexpected ${JSON.stringify(c)} in {{${source}}}`);
      tokens.push({ kind: "ident", name });
    }
  }
  return tokens;
}
