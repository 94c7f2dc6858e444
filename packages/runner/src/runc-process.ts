import { readFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StrataError } from "@strata/core";
import type { RuncCli } from "./runc-cli.js";
import type { RunIO } from "./types.js";

/**
 * Runs the container of `bundle` with `runc run` and waits for it. Returns the process's exit
 * code (128+n when killed by signal n); throws RUN_FAILED when runc itself failed (e.g. the
 * executable does not exist) and CANCELED when `signal` aborted it, after killing it.
 */
export async function runToExit(
  runc: RuncCli,
  bundle: string,
  id: string,
  io: RunIO,
  signal?: AbortSignal,
): Promise<{ exitCode: number }> {
  const logFile = path.join(bundle, "runc.log");
  const { child, exit } = runc.run(bundle, id, logFile);
  // A throwing consumer must not crash the process from an event handler: keep its error for later.
  let consumerError: unknown;
  const deliver = (to: ((chunk: Buffer) => void) | undefined) => (chunk: Buffer) => {
    try {
      to?.(chunk);
    } catch (e) {
      consumerError ??= e;
    }
  };
  child.stdout?.on("data", deliver(io.stdout));
  child.stderr?.on("data", deliver(io.stderr));
  let killing: Promise<void> | undefined;
  const onAbort = () => {
    killing = killContainer(runc, id, () => child.exitCode !== null || child.signalCode !== null, () =>
      child.kill("SIGKILL"),
    );
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await exit;
    if (killing) {
      await killing;
      if (runc.hasState(id)) await runc.deleteForce(id).catch(() => {});
      throw canceled();
    }
    if (consumerError !== undefined) throw consumerError;
    if (result.exitCode === 0) return { exitCode: 0 };
    if (result.spawnError) {
      throw new StrataError("UNAVAILABLE", `cannot start ${runc.binary}: ${result.spawnError.message}`, { cause: result.spawnError });
    }
    const runcError = await readRuncError(logFile);
    if (runcError !== undefined) {
      if (runc.hasState(id)) await runc.deleteForce(id).catch(() => {});
      throw new StrataError("RUN_FAILED", `runc: ${runcError}`, { detail: { container: id } });
    }
    return { exitCode: result.exitCode ?? 128 + signalNumber(result.signal) };
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * SIGKILLs the container through runc. An abort can come before runc has created it, so
 * this retries until the kill lands or `runc run` has exited; runc run then reaps and deletes.
 */
async function killContainer(runc: RuncCli, id: string, exited: () => boolean, killRunc: () => void): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!exited()) {
    try {
      await runc.kill(id, "KILL");
      return;
    } catch {
      if (Date.now() > deadline) {
        killRunc();
        return;
      }
      await sleep(20);
    }
  }
}

/** The first error runc logged, if it failed itself (as opposed to the process exiting non-zero). */
async function readRuncError(logFile: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === "error" && entry.msg) return entry.msg;
    } catch {
      // not JSON: ignore
    }
  }
  return undefined;
}

const signalNumber = (name: string | undefined): number =>
  (name && (osConstants.signals as Record<string, number>)[name]) || 0;

export const canceled = () => new StrataError("CANCELED", "the run was canceled");
