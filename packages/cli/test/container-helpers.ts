import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { mountsUnder, strata } from "./helpers.js";

/** Processes (conmon monitors, port proxies, fuse daemons) whose command line mentions `root`. */
export function processesMentioning(root: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue;
    }
    if (cmd.includes(root) && !cmd.includes("vitest")) out.push({ pid: Number(name), cmd });
  }
  return out;
}

/**
 * Removes every container of the store (strata rm -f), then waits for their monitors to end
 * (conmon stays for its exit delay, ~1 s) and returns whatever mounts or processes are left.
 */
export async function removeAllContainers(root: string): Promise<{ mounts: string[]; processes: string[] }> {
  const ids = (await strata(root, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  if (ids.length > 0) await strata(root, ["rm", "-f", ...ids]);
  return leftovers(root);
}

/** Mounts and processes still around for `root`, after giving monitors up to `waitMs` to finish. */
export async function leftovers(root: string, waitMs = 5000): Promise<{ mounts: string[]; processes: string[] }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const mounts = await mountsUnder(root);
    const processes = processesMentioning(root).map((p) => p.cmd);
    if ((mounts.length === 0 && processes.length === 0) || Date.now() > deadline) return { mounts, processes };
    await sleep(100);
  }
}

/** Polls `fn` until it returns true (or throws after `ms`). */
export async function eventually(fn: () => Promise<boolean> | boolean, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
