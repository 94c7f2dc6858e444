import { StrataError } from "@strata/core";

/** True when a COPY source has Go `filepath.Match` meta characters (`*`, `?`, `[`, `\`). */
export const hasWildcard = (s: string): boolean => /[*?[\\]/.test(s);

const compiled = new Map<string, RegExp>();

/**
 * Match one path segment against one Go `filepath.Match` pattern segment: `*` any run of
 * characters, `?` one character, `[a-z]` / `[^a-z]` classes, `\x` a literal x.
 * A malformed pattern throws INVALID_ARGUMENT, as Go returns ErrBadPattern.
 */
export function matchSegment(pattern: string, name: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = compileSegment(pattern);
    compiled.set(pattern, re);
  }
  return re.test(name);
}

function compileSegment(pattern: string): RegExp {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") {
      if (++i >= pattern.length) throw badPattern(pattern);
      out += literal(pattern[i]!);
    } else if (c === "[") {
      const close = readClass(pattern, i + 1);
      out += close.regex;
      i = close.end;
    } else out += literal(c);
  }
  return new RegExp(out + "$", "su");
}

/** Parse a class body starting after "[", returning its regex and the index of "]". */
function readClass(pattern: string, start: number): { regex: string; end: number } {
  let i = start;
  const negate = pattern[i] === "^";
  if (negate) i++;
  const parts: string[] = [];
  const char = (): string => {
    let ch = pattern[i];
    if (ch === undefined || ch === "-" || ch === "]") throw badPattern(pattern);
    if (ch === "\\") ch = pattern[++i];
    if (ch === undefined) throw badPattern(pattern);
    i++;
    return ch;
  };
  do {
    const lo = char();
    let hi = lo;
    if (pattern[i] === "-") {
      i++;
      hi = char();
      if (hi < lo) throw badPattern(pattern);
    }
    parts.push(lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`);
  } while (i < pattern.length && pattern[i] !== "]");
  if (pattern[i] !== "]") throw badPattern(pattern);
  return { regex: negate ? `[^/${parts.join("")}]` : `(?!/)[${parts.join("")}]`, end: i };
}

const literal = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const classChar = (c: string): string => c.replace(/[\]\\^\-[]/g, "\\$&");

const badPattern = (pattern: string): StrataError =>
  new StrataError("INVALID_ARGUMENT", `syntax error in source pattern: ${pattern}`, {
    hint: "COPY sources use Go filepath.Match patterns: *, ?, [a-z], [^a-z] and \\ escapes",
  });
