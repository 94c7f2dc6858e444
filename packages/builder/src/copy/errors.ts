import { StrataError, type ErrorCode } from "@strata/core";

/** A COPY/ADD failure with Docker's "COPY failed: …" wording. */
export function copyFailed(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}): StrataError {
  return new StrataError(code, `COPY failed: ${message}`, opts);
}

export function sourceNotFound(src: string, fromContext: boolean): StrataError {
  const where = fromContext ? "file not found in build context or excluded by .dockerignore" : "file not found in source stage";
  return copyFailed("NOT_FOUND", `${where}: stat ${src}: file does not exist`, {
    hint: fromContext ? "check the path is relative to the build context and not listed in .dockerignore" : undefined,
  });
}
