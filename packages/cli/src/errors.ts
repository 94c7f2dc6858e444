import { StrataError, isStrataError } from "@strata/core";

/** Exit codes: 1 for any failure, 130 when interrupted; commands may set others (e.g. cache misses). */
export function exitCodeOf(e: unknown): number {
  if (isStrataError(e) && e.code === "CANCELED") return 130;
  return 1;
}

/** Prints one clear error: location, source line, the failed command's output, hint. Never a stack trace unless STRATA_DEBUG is set. */
export function printError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): void {
  if (!isStrataError(e)) {
    const message = e instanceof Error ? e.message : String(e);
    write(`error: ${message}\n`);
    if (process.env.STRATA_DEBUG && e instanceof Error) write(`${e.stack}\n`);
    return;
  }
  const output = typeof e.detail?.output === "string" ? e.detail.output : "";
  if (output) {
    write(`------\n${output.replace(/\n?$/, "\n")}------\n`);
  }
  const loc = e.location;
  if (loc) {
    write(`${loc.file}:${loc.startLine}: ${e.message}\n`);
    if (loc.source !== undefined) write(formatSource(loc.startLine, loc.source));
  } else {
    write(`error: ${e.message}\n`);
  }
  if (e.hint) write(`hint: ${e.hint}\n`);
  if (process.env.STRATA_DEBUG) write(`${(e as StrataError).stack}\n`);
}

function formatSource(start: number, source: string): string {
  const lines = source.replace(/\n$/, "").split("\n");
  const width = String(start + lines.length - 1).length;
  const body = lines.map((l, i) => ` ${String(start + i).padStart(width)} | >>> ${l}\n`).join("");
  return `--------------------\n${body}--------------------\n`;
}

export function usageError(message: string, hint?: string): StrataError {
  return new StrataError("INVALID_ARGUMENT", message, { hint });
}
