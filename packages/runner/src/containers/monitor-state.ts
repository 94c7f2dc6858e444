import { readFileSync, statSync } from "node:fs";
import { errnoCode, processAlive } from "@strata/core";
import type { ContainerLayout } from "./layout.js";
import { runcIdOf, type ContainerRecord } from "./types.js";

/** What the files conmon keeps say about a container the record calls running or paused. */
export type MonitorView =
  | { kind: "alive" }
  | { kind: "exited"; exitCode: number; finishedAt: string }
  | { kind: "monitor-died"; monitorPid: number };

/**
 * Reads the container's state from conmon's files, without asking any process: the exit file
 * (written by conmon when the container exits) wins; else the container is alive as long as its
 * conmon is. A pid that now belongs to another process is not taken for the monitor.
 */
export function monitorView(layout: ContainerLayout, rec: ContainerRecord): MonitorView {
  const exited = readExitFile(layout.exitFile(rec.id));
  if (exited) return { kind: "exited", ...exited };
  const monitorPid = rec.state.monitorPid ?? 0;
  if (isMonitorOf(monitorPid, runcIdOf(rec))) return { kind: "alive" };
  // conmon may have written the exit file between the two reads.
  const late = readExitFile(layout.exitFile(rec.id));
  if (late) return { kind: "exited", ...late };
  return { kind: "monitor-died", monitorPid };
}

export function readExitFile(file: string): { exitCode: number; finishedAt: string } | undefined {
  let text: string;
  let mtime: Date;
  try {
    text = readFileSync(file, "utf8");
    mtime = statSync(file).mtime;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw e;
  }
  const code = Number.parseInt(text.trim(), 10);
  // conmon writes -1 when it timed the container out; Docker reports such a kill as 137.
  return { exitCode: Number.isInteger(code) && code >= 0 ? code : 137, finishedAt: mtime.toISOString() };
}

/** Whether `pid` is alive and is conmon for container `id` (its command line names the id). */
export function isMonitorOf(pid: number, id: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const i = argv.indexOf("-c");
    return i >= 0 && argv[i + 1] === id;
  } catch {
    return false;
  }
}
