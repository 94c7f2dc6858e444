/** `created_by` texts exactly as BuildKit writes them into image history. */
export const HISTORY_COMMENT = "buildkit.dockerfile.v0";

/** Go's %q for one string. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-7][0-9a-f])/g, "\\x$1");
}

/** Go's %q for a []string: ["a" "b"]. */
export const goQuoteList = (items: readonly string[]): string => `[${items.map(goQuote).join(" ")}]`;

/** Go's %v for a []string: [a b]. */
export const goList = (items: readonly string[]): string => `[${items.join(" ")}]`;

/** `RUN |2 A=1 B=2 /bin/sh -c make`: the build args a RUN saw, then its argv. */
export function runCreatedBy(args: readonly string[], buildArgs: readonly [string, string][]): string {
  const prefix = buildArgs.length ? [`|${buildArgs.length}`, ...buildArgs.map(([k, v]) => `${k}=${v}`)] : [];
  return `RUN ${[...prefix, ...args].join(" ")} # buildkit`;
}
