import { exactSize, isSpaceCode } from "./unicode.js";

/**
 * BuildKit's parseWords for ENV, LABEL and ARG: split on whitespace outside quotes, keeping
 * quotes and escape characters in the words. Outside single quotes the escape character
 * protects the next character (both are kept); a trailing escape character is dropped.
 *
 * Since nothing inside a word is removed, each word is a slice of `rest` (which keeps the
 * AST free of long chains of concatenated strings).
 */
export function splitQuotedWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const n = rest.length;
  let pos = 0;
  while (pos < n) {
    while (pos < n && isSpaceCode(rest.charCodeAt(pos))) pos++;
    if (pos >= n) break;
    const start = pos;
    let blankOK = false;
    let quote = "";
    let end = -1;
    while (pos < n) {
      const ch = rest[pos]!;
      if (!quote && isSpaceCode(rest.charCodeAt(pos))) break;
      if (!quote && (ch === "'" || ch === '"')) {
        quote = ch;
        blankOK = true;
      } else if (quote && ch === quote) quote = "";
      if (ch === escape && quote !== "'") {
        if (pos + 1 === n) {
          // A trailing escape character is dropped and ends the word.
          end = pos;
          pos++;
          break;
        }
        pos++;
      }
      pos++;
    }
    const word = rest.slice(start, end < 0 ? pos : end);
    if (blankOK || word.length > 0) words.push(word);
  }
  return exactSize(words);
}
