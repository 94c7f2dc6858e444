// Character classes as Go's `unicode` package defines them, because BuildKit trims and
// splits with unicode.IsSpace and a handful of hand-written ASCII classes.

/** Go's unicode.IsSpace (all such code points are in the BMP). */
export function isSpaceCode(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** BuildKit's reWhitespace `[\t\v\f\r ]`. */
export const isSplitSpaceCode = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;

/** strings.TrimLeftFunc(s, unicode.IsSpace) */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** strings.TrimSpace */
export function trimSpace(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && isSpaceCode(s.charCodeAt(i))) i++;
  while (j > i && isSpaceCode(s.charCodeAt(j - 1))) j--;
  return i === 0 && j === s.length ? s : s.slice(i, j);
}

/** regexp `[\t\v\f\r ]+`.Split(s, limit) with Go's semantics (limit -1 = all). */
export function splitWhitespace(s: string, limit = -1): string[] {
  // Collected in a scratch array and copied out at the exact size: pushing into a fresh
  // array leaves spare capacity, which every AST node would carry.
  const out = scratch;
  out.length = 0;
  let start = 0;
  let i = 0;
  while (i < s.length) {
    if (limit > 0 && out.length === limit - 1) break;
    if (isSplitSpaceCode(s.charCodeAt(i))) {
      let j = i + 1;
      while (j < s.length && isSplitSpaceCode(s.charCodeAt(j))) j++;
      out.push(s.slice(start, i));
      start = j;
      i = j;
    } else i++;
  }
  out.push(s.slice(start));
  const result = out.slice();
  out.length = 0;
  return result;
}
const scratch: string[] = [];

/** A copy at the exact size (see splitWhitespace). */
export function exactSize<T>(items: T[]): T[] {
  return items.length === 0 ? items : items.slice();
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
export const isGoLetter = (ch: string): boolean => ch.length > 0 && ((ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") || (ch > "\x7f" && LETTER.test(ch)));
export const isGoDigit = (ch: string): boolean => ch.length > 0 && ((ch >= "0" && ch <= "9") || (ch > "\x7f" && DIGIT.test(ch)));
