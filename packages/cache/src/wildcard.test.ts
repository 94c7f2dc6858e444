import { describe, expect, it } from "vitest";
import { hasWildcard, matchSegment } from "./wildcard.js";

describe("Go filepath.Match segments", () => {
  it.each([
    ["*.ts", "app.ts", true],
    ["*.ts", ".hidden.ts", true],
    ["*.ts", "app.tsx", false],
    ["?pp.ts", "app.ts", true],
    ["[a-c]*", "beta", true],
    ["[^a-c]*", "beta", false],
    ["[^a-c]*", "delta", true],
    ["\\*", "*", true],
    ["\\*", "a", false],
    ["a[.]b", "a.b", true],
    ["a.b", "axb", false],
    ["(x)+", "(x)+", true],
    ["*.txt", "d/a.txt", false],
    ["[^a]x", "bx", true],
    ["[^a]x", "ax", false],
    ["*", ".hidden", true],
  ])("%s ~ %s → %s", (pattern, name, want) => {
    expect(matchSegment(pattern, name)).toBe(want);
  });

  it("rejects malformed patterns like Go's ErrBadPattern", () => {
    for (const bad of ["[", "[a-", "[]", "a\\", "[z-a]"]) expect(() => matchSegment(bad, "a")).toThrow(/syntax error/);
  });

  it("detects wildcards", () => {
    expect(hasWildcard("src/*.ts")).toBe(true);
    expect(hasWildcard("src/app.ts")).toBe(false);
  });
});
