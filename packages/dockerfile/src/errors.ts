import { StrataError, type SourceLocation } from "@strata/core";

/** Where a Dockerfile problem is: 1-based inclusive lines, optional column and source text. */
export type DockerfileLocation = SourceLocation;

/**
 * The one error type of this package (code "SYNTAX"). Every rejection of a Dockerfile,
 * and every failed variable expansion, is a DockerfileError with a location.
 */
export class DockerfileError extends StrataError {
  declare readonly location: DockerfileLocation;

  constructor(message: string, location: DockerfileLocation, opts: { hint?: string; cause?: unknown } = {}) {
    super("SYNTAX", message, { ...opts, location });
    this.name = "DockerfileError";
  }

  /** A copy of this error placed at another location (e.g. an expansion error inside an instruction). */
  relocate(location: DockerfileLocation): DockerfileError {
    return new DockerfileError(this.message, location, { hint: this.hint, cause: this.cause });
  }
}

export const isDockerfileError = (e: unknown): e is DockerfileError => e instanceof DockerfileError;

/**
 * Thrown by the line-level helpers, which do not know the file or line numbers;
 * the parser turns it into a DockerfileError located at the instruction being read.
 */
export class LineFault extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "LineFault";
  }
}

/** The text of lines start..end (1-based, inclusive) of `text`, for error display. */
export function sourceLines(text: string, start: number, end: number): string {
  if (start < 1) return "";
  const out: string[] = [];
  let line = 1;
  let pos = 0;
  while (pos <= text.length && line <= end) {
    const nl = text.indexOf("\n", pos);
    const stop = nl < 0 ? text.length : nl;
    if (line >= start) out.push(text.slice(pos, stop).replace(/\r+$/, ""));
    if (nl < 0) break;
    pos = nl + 1;
    line++;
  }
  return out.join("\n");
}
