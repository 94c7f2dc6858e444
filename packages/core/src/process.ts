import { errnoCode } from "./errors.js";

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/**
 * Per-process working files, mounts and runs are named "<pid>-<random>" (or contain "-<pid>-"),
 * so a later process can tell a crashed owner's leftovers from a live one's.
 */
export function ownerPid(name: string): number | undefined {
  const m = /^(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}
