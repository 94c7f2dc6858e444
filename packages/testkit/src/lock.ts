import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode } from "@strata/core";

const LOCK_DIR = process.env.STRATA_TESTKIT_LOCK_DIR ?? "/tmp/strata-testkit-locks";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/**
 * Run `fn` holding a cross-process lock named `name` (a file created with O_EXCL holding the
 * owner's pid; a lock whose owner died is taken over). Waits up to `timeoutMs`.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  await mkdir(LOCK_DIR, { recursive: true });
  const file = path.join(LOCK_DIR, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(file, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw e;
      const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (owner > 0 && !alive(owner)) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${file} (held by pid ${owner || "?"})`);
      await sleep(100 + Math.random() * 150);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
