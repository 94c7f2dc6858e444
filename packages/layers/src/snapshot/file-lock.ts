import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive, StrataError, errnoCode } from "@strata/core";

export interface FileLockOptions {
  /** Give up after this many milliseconds of waiting. */
  timeoutMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding the owner's
 * pid). Node has no flock(2), so waiting is polling with backoff. A lock whose owner process
 * no longer exists is broken, which is how a crashed holder is recovered from.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  await acquire(lockPath, opts.timeoutMs ?? 60_000);
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already broken by a waiter that saw this process dead: nothing to release
    }
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    // Blocking calls: taking a free lock is three tiny syscalls, cheaper than three round trips.
    try {
      const fd = openSync(lockPath, "wx", 0o644);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return;
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw e;
    }
    if (await breakIfStale(lockPath)) continue;
    if (Date.now() > deadline) {
      throw new StrataError("UNAVAILABLE", `lock ${lockPath}: still held after ${timeoutMs} ms`, {
        hint: "another strata process is using this root; if none is running, delete the lock file",
      });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 25);
  }
}

/** Deletes the lock when its recorded owner is dead. Returns whether it did. */
async function breakIfStale(lockPath: string): Promise<boolean> {
  let owner: number;
  try {
    owner = Number.parseInt(await readFile(lockPath, "utf8"), 10);
  } catch (e) {
    return errnoCode(e) === "ENOENT"; // released meanwhile: retry at once
  }
  // An empty file is a lock being written right now, not a stale one.
  if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) return false;
  // Re-read just before deleting to narrow the window where another waiter broke it and took it.
  const again = await readFile(lockPath, "utf8").catch(() => "");
  if (again !== String(owner)) return false;
  await unlink(lockPath).catch(() => {});
  return true;
}
