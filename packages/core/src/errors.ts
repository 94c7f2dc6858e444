/** One error vocabulary for every package. Branch on `code`, never on message text. */
export type ErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "UNAVAILABLE"
  | "NOT_IMPLEMENTED"
  | "DIGEST_MISMATCH"
  | "CANCELED"
  | "PERMISSION_DENIED"
  | "SYNTAX"
  | "RUN_FAILED"
  | "INTERNAL";

/** A place in a source file (1-based lines, inclusive). */
export interface SourceLocation {
  file: string;
  startLine: number;
  endLine: number;
  column?: number;
  /** The source text of the lines, for display. */
  source?: string;
}

export interface StrataErrorOptions {
  hint?: string;
  cause?: unknown;
  location?: SourceLocation;
  detail?: Record<string, unknown>;
}

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: StrataErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "StrataError";
    this.code = code;
    this.hint = opts.hint;
    this.location = opts.location;
    this.detail = opts.detail;
  }
}

export const isStrataError = (e: unknown): e is StrataError => e instanceof StrataError;
const hasCode = (code: ErrorCode) => (e: unknown): boolean => isStrataError(e) && e.code === code;
export const isNotFound = hasCode("NOT_FOUND");
export const isAlreadyExists = hasCode("ALREADY_EXISTS");
export const isCanceled = hasCode("CANCELED");

/** Node's errno codes, e.g. `errnoCode(e) === "ENOENT"`. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}
