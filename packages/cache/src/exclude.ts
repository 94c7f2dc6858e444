import dockerignoreModule from "@balena/dockerignore";
import path from "node:path";

// CommonJS (`module.exports = factory`) whose types declare a default export.
type IgnoreFactory = typeof dockerignoreModule.default;
const ignore = ((dockerignoreModule as unknown as { default?: IgnoreFactory }).default ?? dockerignoreModule) as IgnoreFactory;

/** A .dockerignore-style filter over context-relative paths (true = excluded). */
export type IgnoreFilter = ((rel: string) => boolean) & {
  /** When explicitly false, an excluded directory is not descended into (nothing below it can be re-included). */
  readonly hasNegations?: boolean;
  /**
   * Identifies the rules (say, a digest of the patterns), so a checksum made under them can be
   * remembered; a filter without one is never assumed to be the same as another.
   */
  readonly key?: string;
};

/** A `--exclude` test bound to one source, over context-relative paths. */
export interface ExcludeTest {
  test(rel: string): boolean;
  readonly hasNegations: boolean;
}

/**
 * `COPY --exclude` patterns (dockerignore syntax: `**`, `!`), matched relative to each source:
 * below a directory source, or against the base name of a file source.
 */
export function excludeMatcher(
  patterns: readonly string[] | undefined,
): { relativeTo(top: string, topIsDir: boolean): ExcludeTest } | undefined {
  const cleaned = (patterns ?? []).map((p) => p.trim()).filter((p) => p !== "" && !p.startsWith("#"));
  if (cleaned.length === 0) return undefined;
  const ig = ignore().add(cleaned.map((p) => p.replace(/^!?(\.\/|\/)+/, (m) => (m.startsWith("!") ? "!" : ""))));
  const hasNegations = cleaned.some((p) => p.startsWith("!"));
  return {
    relativeTo(top, topIsDir) {
      const relative = (rel: string): string => {
        if (!topIsDir) return path.posix.basename(rel);
        if (top === ".") return rel;
        return rel === top ? "" : rel.slice(top.length + 1);
      };
      return { hasNegations, test: (rel) => { const r = relative(rel); return r !== "" && ig.ignores(r); } };
    },
  };
}
