// The word and flag splitters are written for speed (slices, not per-character appends).
// Here they are checked against direct, character-by-character readings of the rules in the
// conformance README (3.6 flags, 3.7 ENV/LABEL/ARG words).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractFlags } from "./flags.js";
import { isSpaceCode } from "./unicode.js";
import { splitQuotedWords } from "./words.js";

const isSpace = (ch: string) => isSpaceCode(ch.charCodeAt(0));

function referenceWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let blankOK = false;
  let quote = "";
  const chars = rest.split("");
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (!inWord && !quote) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (!quote && isSpace(ch)) {
      if (blankOK || word) words.push(word);
      word = "";
      blankOK = false;
      inWord = false;
      continue;
    }
    if (!quote && (ch === "'" || ch === '"')) {
      quote = ch;
      blankOK = true;
    } else if (quote && ch === quote) quote = "";
    if (ch === escape && quote !== "'") {
      if (i === chars.length - 1) {
        quote = "";
        continue;
      }
      word += ch + chars[++i];
      continue;
    }
    word += ch;
  }
  if (inWord && (blankOK || word)) words.push(word);
  return words;
}

function referenceFlags(line: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i]!)) i++;
    if (i >= line.length) return { flags, rest: "" };
    if (!line.startsWith("--", i)) return { flags, rest: line.slice(i) };
    let word = "";
    let quote = "";
    let blankOK = false;
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (!quote && isSpace(ch)) break;
      if (quote && ch === quote) quote = "";
      else if (!quote && (ch === "'" || ch === '"')) {
        quote = ch;
        blankOK = true;
      } else if (ch === "\\") {
        if (i + 1 < line.length) word += line[++i];
        else quote = "";
      } else word += ch;
    }
    if (word === "--") return { flags, rest: i < line.length ? line.slice(i) : "" };
    if (blankOK || word) flags.push(word);
    if (i >= line.length) return { flags, rest: "" };
  }
}

const text = fc.array(fc.constantFrom("a", "b", "=", " ", "\t", "\u00a0", "'", '"', "\\", "`", "-", "--", "x=y", "é", "😀"), { maxLength: 40 }).map((a) => a.join(""));

describe("splitters agree with the README rules", () => {
  it("splitQuotedWords (ENV/LABEL/ARG)", () => {
    fc.assert(
      fc.property(text, fc.constantFrom("\\", "`"), (s, esc) => {
        expect(splitQuotedWords(s, esc)).toEqual(referenceWords(s, esc));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it("extractFlags", () => {
    fc.assert(
      fc.property(text, (s) => {
        const line = s.replace(/^\s+/, "");
        expect(extractFlags(line)).toEqual(referenceFlags(line));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it("examples", () => {
    expect(splitQuotedWords('a="b c" d\\ e \'f\\\' g\\', "\\")).toEqual(['a="b c"', "d\\ e", "'f\\'", "g"]);
    expect(extractFlags('--chown="user name" --x=a\\ b -- --y rest')).toEqual({ flags: ["--chown=user name", "--x=a b"], rest: " --y rest" });
  });
});
