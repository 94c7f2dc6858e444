import { StrataError } from "@strata/core";
import { goMatch } from "@strata/cache";

/**
 * `--path GLOB`: Go `filepath.Match` per path segment, plus `**` for any number of segments; a
 * pattern that matches a directory selects everything under it. Relative patterns are taken
 * from the root ("etc/*" is "/etc/*").
 */
export function pathFilter(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => true;
  const compiled = patterns.map((p) => {
    const segments = p.split("/").filter((s) => s !== "");
    try {
      for (const s of segments) if (s !== "**") goMatch(s, "");
    } catch {
      throw new StrataError("INVALID_ARGUMENT", `--path ${p}: syntax error in pattern`);
    }
    return segments;
  });
  return (path) => {
    const parts = path.split("/").filter((s) => s !== "");
    return compiled.some((pattern) => matchPrefix(pattern, 0, parts, 0));
  };
}

/** Whether `pattern[pi..]` matches `parts[0..k]` for some k ≤ parts.length (an ancestor or the path). */
function matchPrefix(pattern: string[], pi: number, parts: string[], si: number): boolean {
  if (pi === pattern.length) return true;
  const seg = pattern[pi]!;
  if (seg === "**") {
    for (let k = si; k <= parts.length; k++) if (matchPrefix(pattern, pi + 1, parts, k)) return true;
    return false;
  }
  if (si >= parts.length) return false;
  return goMatch(seg, parts[si]!) && matchPrefix(pattern, pi + 1, parts, si + 1);
}
