import { goQuote } from "@strata/dockerfile";

/** `created_by` texts exactly as BuildKit writes them into image history. */
export const HISTORY_COMMENT = "buildkit.dockerfile.v0";

/** Go's %q for a []string: ["a" "b"]. */
export const goQuoteList = (items: readonly string[]): string => `[${items.map(goQuote).join(" ")}]`;

/** Go's %v for a []string: [a b]. */
export const goList = (items: readonly string[]): string => `[${items.join(" ")}]`;

/** `RUN |2 A=1 B=2 /bin/sh -c make`: the build args a RUN saw, then its argv. */
export function runCreatedBy(args: readonly string[], buildArgs: readonly [string, string][]): string {
  const prefix = buildArgs.length ? [`|${buildArgs.length}`, ...buildArgs.map(([k, v]) => `${k}=${v}`)] : [];
  return `RUN ${[...prefix, ...args].join(" ")} # buildkit`;
}

/** Go's time.Duration String(): "1m30s", "500ms", "0s". */
export function goDuration(ns: number | undefined): string {
  if (!ns) return "0s";
  if (ns < 1000) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trim(s)}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

/** Go's %q of an int: a quoted rune ('\x03'). */
function goRune(n: number): string {
  if (n >= 0x20 && n < 0x7f && n !== 0x27 && n !== 0x5c) return `'${String.fromCharCode(n)}'`;
  return `'\\x${n.toString(16).padStart(2, "0")}'`;
}

/** BuildKit prints the health config struct with Go's %q: `&{["CMD" "x"] "5s" "0s" "0s" '\x00'}`. */
export function healthcheckText(h: { none: boolean; test?: string[]; interval?: number; timeout?: number; startPeriod?: number; retries?: number }): string {
  const test = h.none ? ["NONE"] : (h.test ?? []);
  return `&{${goQuoteList(test)} "${goDuration(h.interval)}" "${goDuration(h.timeout)}" "${goDuration(h.startPeriod)}" ${goRune(h.retries ?? 0)}}`;
}
