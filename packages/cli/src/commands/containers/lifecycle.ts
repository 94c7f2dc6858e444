import { createInterface } from "node:readline";
import { isStrataError } from "@strata/core";
import type { ContainerService } from "@strata/runner";
import type { GlobalOptions } from "../../engine.js";
import { printError, usageError } from "../../errors.js";
import { humanSize } from "../../format.js";
import { openContainers } from "./service.js";

/**
 * Runs `fn` for each container reference in turn, as Docker's multi-container commands do:
 * prints the reference when it worked, the error when not, and returns 1 if any failed.
 */
export async function eachContainer(refs: string[], globals: GlobalOptions, fn: (svc: ContainerService, ref: string) => Promise<string | void>): Promise<number> {
  const svc = await openContainers(globals);
  let status = 0;
  for (const ref of refs) {
    try {
      const out = await fn(svc, ref);
      process.stdout.write(`${out ?? ref}\n`);
    } catch (e) {
      if (!isStrataError(e)) throw e;
      printError(e);
      status = 1;
    }
  }
  return status;
}

export const stopCommand = (refs: string[], o: { time?: string }, g: GlobalOptions) =>
  eachContainer(refs, g, async (svc, ref) => void (await svc.stop(ref, seconds(o.time))));

export const restartCommand = (refs: string[], o: { time?: string }, g: GlobalOptions) =>
  eachContainer(refs, g, async (svc, ref) => void (await svc.restart(ref, seconds(o.time))));

export const killCommand = (refs: string[], o: { signal?: string }, g: GlobalOptions) =>
  eachContainer(refs, g, async (svc, ref) => void (await svc.kill(ref, o.signal ?? "KILL")));

export const rmCommand = (refs: string[], o: { force?: boolean; volumes?: boolean }, g: GlobalOptions) =>
  eachContainer(refs, g, async (svc, ref) => void (await svc.remove(ref, { force: o.force, volumes: o.volumes })));

export const pauseCommand = (refs: string[], g: GlobalOptions) => eachContainer(refs, g, async (svc, ref) => void (await svc.pause(ref)));

export const unpauseCommand = (refs: string[], g: GlobalOptions) => eachContainer(refs, g, async (svc, ref) => void (await svc.unpause(ref)));

/** `strata wait`: blocks until each container stops, printing its exit code. */
export const waitCommand = (refs: string[], g: GlobalOptions) =>
  eachContainer(refs, g, async (svc, ref) => String((await svc.wait(ref)).exitCode));

export async function renameCommand(ref: string, name: string, g: GlobalOptions): Promise<void> {
  const { validateName } = await import("@strata/runner");
  const svc = await openContainers(g);
  await svc.rename(ref, validateName(name));
}

/** `strata container prune`: removes every stopped container (asks first unless -f). */
export async function pruneCommand(o: { force?: boolean }, g: GlobalOptions): Promise<void> {
  if (!o.force && !(await confirm("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "))) return;
  const svc = await openContainers(g);
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const rec of await svc.list()) {
    if (rec.state.status !== "exited" && rec.state.status !== "created" && rec.state.status !== "dead") continue;
    const size = await svc.files.size(rec);
    await svc.remove(rec.id);
    deleted.push(rec.id);
    reclaimed += size;
  }
  if (deleted.length > 0) process.stdout.write(`Deleted Containers:\n${deleted.map((d) => `${d}\n`).join("")}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once("line", resolve);
    rl.once("close", () => resolve(""));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** `container cleanup ID` (hidden): conmon's exit command. */
export async function cleanupCommand(id: string, g: GlobalOptions): Promise<void> {
  const svc = await openContainers(g);
  await svc.cleanup(id);
}

function seconds(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^-?\d+$/.test(s)) throw usageError(`invalid time: ${s}`);
  return Number(s);
}
