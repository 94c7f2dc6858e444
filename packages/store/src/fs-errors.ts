import { StrataError, errnoCode } from "@strata/core";

/** Turn a Node fs error into a StrataError naming `what` (a path or an object). */
export function fsError(e: unknown, what: string): unknown {
  if (e instanceof StrataError) return e;
  const code = errnoCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  switch (code) {
    case "ENOENT":
      return new StrataError("NOT_FOUND", `${what}: not found`, { cause: e });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StrataError("PERMISSION_DENIED", `${what}: permission denied (${code})`, {
        cause: e,
        hint: "choose a writable store with --root or STRATA_ROOT",
      });
    case "ENOTDIR":
      return new StrataError("INVALID_ARGUMENT", `${what}: a component of the path is not a directory`, { cause: e });
    case "ENOSPC":
      return new StrataError("UNAVAILABLE", `${what}: no space left on device`, { cause: e });
    default:
      return new StrataError("INTERNAL", `${what}: ${msg}`, { cause: e });
  }
}

/** Run `fn`, converting fs errors with `fsError`. */
export async function mapFsErrors<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fsError(e, what);
  }
}
