import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { StrataError } from "@strata/core";

/** Where runc usually lives even when PATH (e.g. a non-login shell) lacks the sbin directories. */
const FALLBACK_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/**
 * The absolute path of the OCI runtime to use: `explicit` when given (it must be executable),
 * otherwise `runc` found on PATH or in the usual system directories.
 */
export async function detectRuntime(explicit?: string): Promise<string> {
  if (explicit !== undefined) {
    const resolved = path.resolve(explicit);
    if (await isExecutable(resolved)) return resolved;
    throw unavailable(`OCI runtime ${explicit} is not an executable file`);
  }
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = path.resolve(dir, "runc");
    if (await isExecutable(candidate)) return candidate;
  }
  throw unavailable("no OCI runtime found: runc is not installed (looked on PATH and in the sbin directories)");
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const unavailable = (message: string) =>
  new StrataError("UNAVAILABLE", message, { hint: "apt-get install runc (crun does not start on hosts with hybrid cgroups)" });
