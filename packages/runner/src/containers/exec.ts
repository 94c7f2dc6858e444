import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StrataError, cleanPath, randomHex } from "@strata/core";
import { processEnv } from "../process-env.js";
import { resolveUser } from "../user.js";
import { mergeEnv } from "./create.js";
import type { ContainerRunc } from "./runc.js";
import type { ContainerLayout } from "./layout.js";
import { runcIdOf, type ContainerRecord } from "./types.js";

export interface ExecOptions {
  args: string[];
  interactive?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  /** "inherit" (the CLI's own stdio) or "pipe" (returned streams). */
  stdio?: "inherit" | "pipe";
  /** `-d`: start the process and return; it runs on in the container, its output discarded. */
  detach?: boolean;
}

/** runc exec could not start the process: Docker answers 126 for a missing or unrunnable command. */
export class ExecFailed extends StrataError {
  readonly exitStatus = 126;
  constructor(message: string) {
    super("RUN_FAILED", message);
  }
}

/**
 * Runs another process in a running container with `runc exec`, in the container's namespaces
 * and with its capabilities; the user and working directory default to the container's.
 * runc serves a terminal itself in the foreground (`-t`), so no monitor is involved.
 */
export async function execInContainer(
  runc: ContainerRunc,
  layout: ContainerLayout,
  rec: ContainerRecord,
  o: ExecOptions,
): Promise<{ exit: Promise<number>; child: import("node:child_process").ChildProcess }> {
  if (rec.state.status !== "running") {
    throw new StrataError("FAILED_PRECONDITION", `Container ${rec.id} is not running`);
  }
  if (o.args.length === 0) throw new StrataError("INVALID_ARGUMENT", "exec needs a command");
  if (o.workdir !== undefined && !o.workdir.startsWith("/")) {
    throw new StrataError("INVALID_ARGUMENT", `the working directory '${o.workdir}' is invalid, it needs to be an absolute path`);
  }
  // The container's root as its init sees it (volumes included), for the user lookup.
  const root = `/proc/${rec.state.pid}/root`;
  const user = await resolveUser(root, o.user ?? rec.config.User);
  const dir = layout.runtime(rec.id);
  const containerProcess = (JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as { process: Record<string, unknown> }).process;
  const proc = {
    ...containerProcess,
    terminal: Boolean(o.tty),
    ...(o.tty ? { consoleSize: { height: process.stdout.rows || 24, width: process.stdout.columns || 80 } } : {}),
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args: o.args,
    env: processEnv(mergeEnv(rec.config.Env, o.env ?? []), user.home),
    cwd: cleanPath(o.workdir ?? (rec.config.WorkingDir || "/")),
  };
  const tag = randomHex(6);
  const procFile = path.join(dir, `exec-${tag}.json`);
  const logFile = path.join(dir, `exec-${tag}.log`);
  writeFileSync(procFile, JSON.stringify(proc));
  const args = ["--root", runc.stateRoot, "--log", logFile, "--log-format", "json", "exec", ...(o.tty ? ["--tty"] : []), ...(o.detach ? ["--detach"] : []), "--process", procFile, runcIdOf(rec)];
  const piped = o.stdio === "pipe";
  const child = spawn(runc.binary, args, {
    stdio: o.detach ? "ignore" : [o.interactive ? (piped ? "pipe" : "inherit") : "ignore", piped ? "pipe" : "inherit", piped ? "pipe" : "inherit"],
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.once("error", (e) => reject(new StrataError("UNAVAILABLE", `cannot start ${runc.binary}: ${e.message}`)));
    child.once("close", (code, sig) => resolve(code ?? 128 + (sig ? 9 : 0)));
  });
  return {
    child,
    exit: exit.then(
      (code) => {
        const failure = code === 255 ? runcFailure(logFile) : undefined;
        rmSync(procFile, { force: true });
        rmSync(logFile, { force: true });
        if (failure) throw new ExecFailed(failure);
        return code;
      },
      (e: unknown) => {
        rmSync(procFile, { force: true });
        rmSync(logFile, { force: true });
        throw e;
      },
    ),
  };
}

function runcFailure(logFile: string): string | undefined {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === "error" && entry.msg) return entry.msg;
    } catch {
      // not JSON
    }
  }
  return undefined;
}
