import { errnoCode } from "@strata/core";

/** Whether a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/** Names of per-process working files start with the owner's pid: "<pid>-<random>". */
export const ownedName = (suffix: string): string => `${process.pid}-${suffix}`;

export function ownerPid(name: string): number | undefined {
  const m = /^(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}
