// The glob matcher replaces the Go-regexp translation BuildKit uses. Checked here against that
// translation run by JS regexps (same leftmost-first semantics) on small inputs, where
// backtracking is harmless, and on a pattern that would make backtracking explode.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replaceAll, replaceFirst, trimPrefixPattern, trimSuffixPattern } from "./pattern.js";

/** BuildKit's convertShellPatternToRegex, as a JS regexp source. */
function toRegex(pattern: string, greedy: boolean, anchored: boolean): string {
  let out = anchored ? "^" : "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") out += greedy ? "[^\\n]*" : "[^\\n]*?";
    else if (c === "?") out += "[^\\n]";
    else if (c === "\\") {
      if (chars[i + 1] === "}" || chars[i + 1] === "/") continue;
      out += "\\" + chars[++i];
    } else out += /[[\]{}.+()|^$]/.test(c) ? "\\" + c : c;
  }
  return out;
}
const reverse = (s: string) => Array.from(s).reverse().join("");
const reversePattern = (p: string) => {
  const c = Array.from(p);
  const out: string[] = [];
  for (let i = 0; i < c.length; i++) {
    if (c[i] === "\\" && i < c.length - 1) out.unshift("\\" + c[++i]);
    else out.unshift(c[i]!);
  }
  return out.join("");
};
const oracle = {
  prefix: (p: string, v: string, g: boolean) => {
    const m = new RegExp(toRegex(p, g, true), "u").exec(v);
    return m ? v.slice(m[0].length) : v;
  },
  suffix: (p: string, v: string, g: boolean) => reverse(oracle.prefix(reversePattern(p), reverse(v), g)),
  /** Go's ReplaceAllString loop over the regexp (replacement without `$`). */
  all: (p: string, v: string, r: string) => {
    const re = new RegExp(toRegex(p, true, false), "gu");
    const chars = Array.from(v);
    const offset = (n: number) => chars.slice(0, n).join("").length;
    const cpIndex = (off: number) => Array.from(v.slice(0, off)).length;
    let out = "";
    let last = 0;
    let search = 0;
    while (search <= chars.length) {
      re.lastIndex = offset(search);
      const m = re.exec(v);
      if (!m) break;
      const start = cpIndex(m.index);
      const end = cpIndex(m.index + m[0].length);
      out += chars.slice(last, start).join("");
      if (end > last || start === 0) out += r;
      last = end;
      search = search + 1 > end ? search + 1 : end;
    }
    return out + chars.slice(last).join("");
  },
  first: (p: string, v: string, r: string) => {
    const m = new RegExp(toRegex(p, true, false), "u").exec(v);
    return m ? v.slice(0, m.index) + r + v.slice(m.index + m[0].length) : v;
  },
};

const pattern = fc.array(fc.constantFrom("a", "b", "*", "?", "\\*", "\\?", "\\\\", "\\}", ".", "é"), { maxLength: 6 }).map((a) => a.join(""));
const value = fc.array(fc.constantFrom("a", "b", "\n", ".", "*", "é", "😀"), { maxLength: 10 }).map((a) => a.join(""));

describe("shell patterns", () => {
  it("agree with BuildKit's regexp translation", () => {
    fc.assert(
      fc.property(pattern, value, fc.boolean(), (p, v, greedy) => {
        expect(trimPrefixPattern(p, v, greedy)).toBe(oracle.prefix(p, v, greedy));
        expect(trimSuffixPattern(p, v, greedy)).toBe(oracle.suffix(p, v, greedy));
        expect(replaceFirst(p, v, "<>")).toBe(oracle.first(p, v, "<>"));
        expect(replaceAll(p, v, "<>")).toBe(oracle.all(p, v, "<>"));
      }),
      { seed: 42, numRuns: 4000 },
    );
  });

  it("replaceAll follows Go: no replacement for an empty match right after a match", () => {
    expect(replaceAll("a*", "baaac", "X")).toBe("bX"); // a glob: `a` then anything
    expect(replaceAll("*", "ab", "X")).toBe("X"); // JS "ab".replace(/.*/g, "X") would give "XX"
    expect(replaceAll("?", "a\nb", "X")).toBe("X\nX"); // `?` and `*` never match a newline
    expect(replaceAll("", "ab", "-")).toBe("-a-b-");
    expect(replaceAll("a", "banana", "$0$0")).toBe("baanaanaa");
    expect(replaceAll("a", "banana", "$$")).toBe("b$n$n$");
  });

  it("stays fast where backtracking would explode", () => {
    const v = "a".repeat(2000);
    const t0 = Date.now();
    expect(trimPrefixPattern("*a*a*a*a*a*a*a*a*b", v, true)).toBe(v);
    expect(trimSuffixPattern("*a*a*a*a*a*a*a*a*b", v, false)).toBe(v);
    expect(replaceFirst("a*a*a*a*a*a*b", v.slice(0, 300), "x")).toBe(v.slice(0, 300));
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
