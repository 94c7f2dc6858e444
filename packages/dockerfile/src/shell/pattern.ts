import { LineFault } from "../errors.js";

// Shell patterns for ${v#p} ${v%p} ${v/p/r}: `*`, `?` and `\` escapes, no bracket expressions.
// BuildKit compiles them to Go regexps (RE2: linear time, `.` never matches "\n"). We match
// with a small NFA over code points instead of JS regexps, whose backtracking can take
// exponential time on patterns like `*a*a*a*a*b`.

type Token = { kind: "star" } | { kind: "any" } | { kind: "lit"; ch: string };

const STAR: Token = { kind: "star" };
const ANY: Token = { kind: "any" };

export function parsePattern(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*") {
      if (tokens.at(-1) !== STAR) tokens.push(STAR); // `**` matches what `*` matches
    } else if (ch === "?") tokens.push(ANY);
    else if (ch === "\\") {
      const next = chars[i + 1];
      // `}` and `/` are escaped only to get them through ${...}; the escape is not part of the pattern.
      if (next === "}" || next === "/") continue;
      if (next !== "*" && next !== "?" && next !== "\\") throw new LineFault(`invalid escape '\\${next ?? ""}'`);
      tokens.push({ kind: "lit", ch: next });
      i++;
    } else tokens.push({ kind: "lit", ch });
  }
  return tokens;
}

/** Add state `i` and, through stars (which may match nothing), the states after it. */
function addState(tokens: readonly Token[], states: Uint8Array, i: number): void {
  while (!states[i]) {
    states[i] = 1;
    if (i < tokens.length && tokens[i]!.kind === "star") i++;
    else return;
  }
}

/**
 * Runs the pattern from `chars[start]` and returns the end indexes (in code points) where
 * the whole pattern has matched: the first one (shortest) or the last one (longest).
 */
function matchFrom(tokens: readonly Token[], chars: readonly string[], start: number, longest: boolean): number {
  const m = tokens.length;
  let current = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  addState(tokens, current, 0);
  let found = current[m] ? start : -1;
  if (found >= 0 && !longest) return found;
  for (let pos = start; pos < chars.length; pos++) {
    const ch = chars[pos]!;
    next.fill(0);
    let alive = false;
    for (let i = 0; i < m; i++) {
      if (!current[i]) continue;
      const t = tokens[i]!;
      if (t.kind === "star") {
        if (ch !== "\n") {
          addState(tokens, next, i);
          alive = true;
        }
      } else if (t.kind === "any" ? ch !== "\n" : t.ch === ch) {
        addState(tokens, next, i + 1);
        alive = true;
      }
    }
    if (!alive) break;
    [current, next] = [next, current];
    if (current[m]) {
      found = pos + 1;
      if (!longest) return found;
    }
  }
  return found;
}

const offsetOf = (chars: readonly string[], n: number): number => {
  let off = 0;
  for (let i = 0; i < n; i++) off += chars[i]!.length;
  return off;
};

export function trimPrefixPattern(pattern: string, value: string, greedy: boolean): string {
  const chars = Array.from(value);
  const end = matchFrom(parsePattern(pattern), chars, 0, greedy);
  return end < 0 ? value : value.slice(offsetOf(chars, end));
}

/** Shortest/longest suffix: match the reversed pattern against the reversed value. */
export function trimSuffixPattern(pattern: string, value: string, greedy: boolean): string {
  const tokens = parsePattern(pattern).reverse();
  const reversed = Array.from(value).reverse();
  const len = matchFrom(tokens, reversed, 0, greedy);
  return len < 0 ? value : reversed.slice(len).reverse().join("");
}

/**
 * Leftmost match at or after `from`, longest there (what Go's greedy leftmost-first search
 * gives for these patterns). One pass: each NFA state remembers the earliest start that
 * reaches it, so the search stays linear in the value's length.
 */
function findMatch(tokens: readonly Token[], chars: readonly string[], from: number): [number, number] | undefined {
  const m = tokens.length;
  let current = new Int32Array(m + 1).fill(-1);
  let next = new Int32Array(m + 1);
  let bestStart = -1;
  let bestEnd = -1;
  const add = (states: Int32Array, i: number, start: number): void => {
    for (;;) {
      if (states[i] !== -1 && states[i]! <= start) return;
      states[i] = start;
      if (i < m && tokens[i]!.kind === "star") i++;
      else return;
    }
  };
  for (let pos = from; ; pos++) {
    if (bestStart < 0) add(current, 0, pos);
    const s = current[m]!;
    if (s !== -1 && (bestStart < 0 || s < bestStart || (s === bestStart && pos > bestEnd))) {
      bestStart = s;
      bestEnd = pos;
    }
    if (pos >= chars.length) break;
    const ch = chars[pos]!;
    next.fill(-1);
    let alive = false;
    for (let i = 0; i < m; i++) {
      const start = current[i]!;
      if (start === -1 || (bestStart >= 0 && start > bestStart)) continue;
      const t = tokens[i]!;
      if (t.kind === "star") {
        if (ch !== "\n") add(next, i, start);
        else continue;
      } else if (t.kind === "any" ? ch !== "\n" : t.ch === ch) add(next, i + 1, start);
      else continue;
      alive = true;
    }
    if (!alive && bestStart >= 0) break;
    [current, next] = [next, current];
  }
  return bestStart < 0 ? undefined : [bestStart, bestEnd];
}

/** ${v/p/r}: the first match replaced, the replacement taken literally. */
export function replaceFirst(pattern: string, value: string, replacement: string): string {
  const chars = Array.from(value);
  const m = findMatch(parsePattern(pattern), chars, 0);
  if (!m) return value;
  return value.slice(0, offsetOf(chars, m[0])) + replacement + value.slice(offsetOf(chars, m[1]));
}

/**
 * ${v//p/r}: Go's Regexp.ReplaceAllString, including its rule that an empty match right
 * after a previous match is not replaced, and `$` templates in the replacement.
 */
export function replaceAll(pattern: string, value: string, replacement: string): string {
  const tokens = parsePattern(pattern);
  const chars = Array.from(value);
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= chars.length) {
    const m = findMatch(tokens, chars, searchPos);
    if (!m) break;
    const [start, end] = m;
    out += chars.slice(lastMatchEnd, start).join("");
    if (end > lastMatchEnd || start === 0) out += expandTemplate(replacement, chars.slice(start, end).join(""));
    lastMatchEnd = end;
    searchPos = searchPos + 1 > end ? searchPos + 1 : end;
  }
  return out + chars.slice(lastMatchEnd).join("");
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's Regexp.Expand with only group 0 (shell patterns have no capture groups). */
function expandTemplate(template: string, match: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === "$") {
      out += "$";
      i++;
      continue;
    }
    const braced = template[i] === "{";
    let j = braced ? i + 1 : i;
    let name = "";
    for (const ch of template.slice(j)) {
      if (!NAME_CHAR.test(ch)) break;
      name += ch;
    }
    j += name.length;
    if (name === "" || (braced && template[j] !== "}")) {
      out += "$";
      continue;
    }
    i = braced ? j + 1 : j;
    if (/^[0-9]+$/.test(name) && Number(name) === 0) out += match;
  }
  return out + template.slice(i);
}
