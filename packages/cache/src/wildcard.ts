import { StrataError } from "@strata/core";

/** True when a COPY source has Go `filepath.Match` meta characters (`*`, `?`, `[`, `\`). One matcher serves COPY and the cache checksum, so both always select the same files. */
export const hasWildcard = (s: string): boolean => /[*?[\\]/.test(s);

const cache = new Map<string, RegExp>();

/**
 * Compile one Go `filepath.Match` pattern (one path segment or a whole path) to an anchored RegExp:
 * `*` and `?` never match "/", `[^a-z]` classes, `\\` escapes. Invalid patterns throw, as Go's ErrBadPattern.
 */
export function compileGoPattern(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      if (++i >= pattern.length) throw badPattern(pattern);
      re += escapeRe(pattern[i]!);
    } else if (c === "[") {
      const [cls, end] = compileClass(pattern, i + 1);
      re += cls;
      i = end;
    } else re += escapeRe(c);
  }
  const out = new RegExp(re + "$", "s");
  cache.set(pattern, out);
  return out;
}

export function goMatch(pattern: string, name: string): boolean {
  return compileGoPattern(pattern).test(name);
}

/** Compile a class starting after "[", returning the regex text and the index of the closing "]". */
function compileClass(pattern: string, start: number): [string, number] {
  let i = start;
  let negate = false;
  if (pattern[i] === "^") {
    negate = true;
    i++;
  }
  const ranges: string[] = [];
  const readChar = (): string => {
    let ch = pattern[i];
    if (ch === undefined || ch === "-" || ch === "]") throw badPattern(pattern);
    if (ch === "\\") {
      ch = pattern[++i];
      if (ch === undefined) throw badPattern(pattern);
    }
    i++;
    return ch;
  };
  do {
    const lo = readChar();
    let hi = lo;
    if (pattern[i] === "-") {
      i++;
      hi = readChar();
      if (hi < lo) throw badPattern(pattern);
    }
    ranges.push(lo === hi ? escapeClass(lo) : `${escapeClass(lo)}-${escapeClass(hi)}`);
  } while (i < pattern.length && pattern[i] !== "]");
  if (pattern[i] !== "]") throw badPattern(pattern);
  // A negated class still never matches the separator, as in Go.
  return [negate ? `[^/${ranges.join("")}]` : `(?!/)[${ranges.join("")}]`, i];
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const escapeClass = (c: string): string => c.replace(/[\]\\^\-[]/g, "\\$&");

function badPattern(pattern: string): StrataError {
  return new StrataError("INVALID_ARGUMENT", `COPY failed: syntax error in pattern: ${pattern}`);
}

/** One path segment against one pattern segment (the context walk matches segment by segment). */
export const matchSegment = goMatch;
