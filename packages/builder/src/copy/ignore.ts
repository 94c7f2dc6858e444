import { readFile } from "node:fs/promises";
import path from "node:path";
import dockerignoreModule from "@balena/dockerignore";
import { errnoCode, hexOf, sha256 } from "@strata/core";

// The package is CommonJS (`module.exports = factory`) but its types declare a default export.
type Factory = typeof dockerignoreModule.default;
const ignoreFactory = ((dockerignoreModule as unknown as { default?: Factory }).default ?? dockerignoreModule) as Factory;

/** A .dockerignore-style filter: true = excluded. `hasNegations` tells walkers whether an excluded dir may hold included files. */
export interface IgnoreMatcher {
  (relPath: string): boolean;
  readonly hasNegations: boolean;
  /** A digest of the normalised patterns: equal keys, equal rules. */
  readonly key: string;
}

/**
 * Normalise patterns as BuildKit's dockerignore reader does: trim, drop comments and blank lines,
 * clean the path ("./a", "a/../b", "a/"), strip a leading "/". A "!" prefix is kept.
 */
export function normalizePatterns(patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === "" || p.startsWith("#")) continue;
    let neg = false;
    if (p.startsWith("!")) {
      neg = true;
      p = p.slice(1).trim();
    }
    p = path.posix.normalize(p);
    p = p.replace(/^(\/|\.\/)+/, "").replace(/\/+$/, "");
    if (p === "" || p === ".") continue; // "/" and "." match no context path in Docker either
    out.push(neg ? `!${p}` : p);
  }
  return out;
}

/**
 * Build a matcher with Docker's .dockerignore semantics (`*` within one segment, `**` across,
 * `!` re-includes, a matching parent excludes its children). Wraps @balena/dockerignore, a port of
 * moby's fileutils, after our own normalisation. Listing `Dockerfile` or `.dockerignore` excludes them too.
 */
export function createIgnoreMatcher(patterns: string[]): IgnoreMatcher {
  const normalized = normalizePatterns(patterns);
  const hasNegations = normalized.some((p) => p.startsWith("!"));
  const key = hexOf(sha256(`dockerignore\n${normalized.join("\n")}`));
  if (normalized.length === 0) return Object.assign((_: string) => false, { hasNegations: false, key });
  const ig = ignoreFactory().add(normalized);
  const match = (relPath: string): boolean => {
    const rel = relPath.replace(/^(\/|\.\/)+/, "").replace(/\/+$/, "");
    if (rel === "" || rel === ".") return false;
    return ig.ignores(rel);
  };
  return Object.assign(match, { hasNegations, key });
}

/** The lines of `<contextDir>/.dockerignore`, or [] when there is none. */
export async function readDockerignore(contextDir: string): Promise<string[]> {
  try {
    return (await readFile(path.join(contextDir, ".dockerignore"), "utf8")).replace(/^\uFEFF/, "").split(/\r?\n/);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}
