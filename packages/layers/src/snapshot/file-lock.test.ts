import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "strata-file-lock-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("withFileLock", () => {
  it("runs holders one at a time and removes the lock afterwards", async () => {
    const lock = path.join(base, "serial.lock");
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(lock, async () => {
          maxInside = Math.max(maxInside, ++inside);
          await sleep(2);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    await expect(stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("releases the lock when the holder throws", async () => {
    const lock = path.join(base, "throw.lock");
    await expect(withFileLock(lock, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await withFileLock(lock, async () => "again")).toBe("again");
  });

  it("breaks a lock whose owner process has exited", async () => {
    const lock = path.join(base, "stale.lock");
    const dead = execa("true");
    await dead;
    await writeFile(lock, String(dead.pid));
    expect(await withFileLock(lock, async () => "taken", { timeoutMs: 2000 })).toBe("taken");
  });

  it("waits for a live owner and gives up with UNAVAILABLE", async () => {
    const lock = path.join(base, "live.lock");
    const owner = execa("sleep", ["30"]);
    try {
      await writeFile(lock, String(owner.pid));
      await expect(withFileLock(lock, async () => "never", { timeoutMs: 100 })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    } finally {
      owner.kill();
      await owner.catch(() => {});
    }
  });
});
