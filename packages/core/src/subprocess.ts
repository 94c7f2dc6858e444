import type { ChildProcess, SpawnOptions } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import type { Readable, Writable } from "node:stream";

// strata's own thin layer over child_process. It replaces execa on every production path:
// bundled, execa alone added ~20 ms to each CLI start (bench/README.md), more than a whole
// metadata-only build, and strata needs only "run, capture, stream, fail clearly".

// Loaded on the first spawn: child_process brings net, dgram and the stream machinery (~1 ms of
// every start), and a fully cached build or `strata images` starts no process at all.
let childProcess: typeof import("node:child_process") | undefined;
function spawn(file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  childProcess ??= createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  return childProcess.spawn(file, args, options);
}

export interface SubprocessOptions {
  cwd?: string;
  /** Variables added to (not replacing) this process's environment. */
  env?: Record<string, string>;
  /** Bytes written to the process's stdin (then closed). */
  input?: string | Uint8Array;
  /** A file the process reads as its stdin, opened by the kernel, never copied through Node. */
  inputFile?: string;
  /** Aborting sends SIGTERM, then SIGKILL after `forceKillAfterMs` (default 2 s). */
  signal?: AbortSignal;
  forceKillAfterMs?: number;
}

export interface SubprocessResult {
  command: string;
  /** undefined when the process was killed by a signal or never started. */
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: Buffer;
  stderr: Buffer;
  /** Why it never started (error.code ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException;
  failed: boolean;
}

/** A failed subprocess: `message` names the command and carries its stderr (or exit status). */
export class SubprocessError extends Error {
  readonly code: string | undefined;
  readonly stderr: string;
  constructor(readonly result: SubprocessResult) {
    super(describeFailure(result));
    this.name = "SubprocessError";
    this.code = result.spawnError?.code;
    this.stderr = result.stderr.toString().trim();
  }
}

/** What to print for a failure: a SubprocessError's message is already the command's stderr. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e)).trim();

function describeFailure(r: SubprocessResult): string {
  if (r.spawnError) return `${r.command}: ${r.spawnError.code === "ENOENT" ? "command not found" : r.spawnError.message}`;
  const stderr = r.stderr.toString().trim();
  if (stderr !== "") return stderr;
  return r.signal ? `${r.command} was killed by ${r.signal}` : `${r.command} exited with code ${r.exitCode}`;
}

/** Runs a command to completion, capturing stdout and stderr. Never rejects: look at `failed`. */
export function run(file: string, args: readonly string[], opts: SubprocessOptions = {}): Promise<SubprocessResult> {
  const { child, exit } = start(file, args, opts, "pipe");
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => stdout.push(c));
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  return exit.then((r) => ({ ...r, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }));
}

/** Like `run`, but a failure (spawn error, non-zero exit, signal) throws a SubprocessError. */
export async function runChecked(file: string, args: readonly string[], opts: SubprocessOptions = {}): Promise<SubprocessResult> {
  const r = await run(file, args, opts);
  if (r.failed) throw new SubprocessError(r);
  return r;
}

export interface StreamingSubprocess {
  child: ChildProcess;
  stdout: Readable;
  /** Present when started with `stdin: "pipe"`. */
  stdin: Writable | undefined;
  /** Resolves when the process exits 0; rejects with a SubprocessError (stderr included) otherwise. */
  done: Promise<void>;
  kill(): void;
}

/** Starts a command whose stdout is consumed as a stream (compressors, decompressors). */
export function runStreaming(
  file: string,
  args: readonly string[],
  opts: SubprocessOptions & { stdin?: "pipe" | "ignore" } = {},
): StreamingSubprocess {
  const { child, exit } = start(file, args, opts, opts.stdin ?? "ignore");
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  const done = exit.then((r) => {
    if (r.failed) throw new SubprocessError({ ...r, stdout: Buffer.alloc(0), stderr: Buffer.concat(stderr) });
  });
  done.catch(() => {}); // observed by the caller; this only avoids an unhandled rejection meanwhile
  return { child, stdout: child.stdout!, stdin: child.stdin ?? undefined, done, kill: () => void child.kill("SIGKILL") };
}

/**
 * Starts a process with stdout and stderr piped. `exit` settles once the process has exited and
 * its pipes are drained ("close"), or when it could not start.
 */
export function start(
  file: string,
  args: readonly string[],
  opts: SubprocessOptions,
  stdin: "pipe" | "ignore",
): { child: ChildProcess; exit: Promise<Omit<SubprocessResult, "stdout" | "stderr">> } {
  const command = [file, ...args].join(" ");
  let inputFd: number | undefined;
  if (opts.inputFile !== undefined) inputFd = openSync(opts.inputFile, "r");
  const stdinMode = inputFd ?? (opts.input !== undefined ? "pipe" : stdin);
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: [stdinMode, "pipe", "pipe"],
    });
  } finally {
    if (inputFd !== undefined) closeSync(inputFd);
  }
  if (opts.input !== undefined) {
    child.stdin!.on("error", () => {}); // EPIPE when the process exits without reading: its exit status tells
    child.stdin!.end(opts.input);
  }
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), opts.forceKillAfterMs ?? 2000);
    killTimer.unref();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });

  const exit = new Promise<Omit<SubprocessResult, "stdout" | "stderr">>((resolve) => {
    const finish = (exitCode: number | undefined, signal: NodeJS.Signals | undefined, spawnError?: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve({ command, exitCode, signal, spawnError, failed: spawnError !== undefined || exitCode !== 0 });
    };
    child.once("error", (e: NodeJS.ErrnoException) => finish(undefined, undefined, e));
    child.once("close", (code, sig) => finish(code ?? undefined, sig ?? undefined));
  });
  return { child, exit };
}
