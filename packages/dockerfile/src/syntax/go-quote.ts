// Go's strconv.Quote, which BuildKit's AST dump uses for every flag and argument.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };

function quoteChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (ch === '"' || ch === "\\") return "\\" + ch;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (PRINTABLE.test(ch)) return ch;
  const named = NAMED[cp];
  if (named) return named;
  if (cp < 0x20 || cp === 0x7f) return "\\x" + cp.toString(16).padStart(2, "0");
  // A lone surrogate is not valid UTF-8; Go would print the replacement character's escape.
  if (cp >= 0xd800 && cp <= 0xdfff) return "\\ufffd";
  if (cp < 0x10000) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function goQuote(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  for (const ch of s) out += quoteChar(ch);
  return out + '"';
}
