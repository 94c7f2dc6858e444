import { execFileSync, spawn } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { teardownsSettled } from "@strata/layers";
import { createRuncRunner, type RuncRunner } from "./runc-runner.js";
import { tempDir, writeBusyboxRootfs } from "./testsuite/busybox-rootfs.js";
import { expectOnlyMountPointDirsAdded, hasRunc, mountsUnder, overlayView, runcList, snapshot, tree, type Snapshot, requireRootAndRunc } from "./testsuite/run-helpers.js";


describe("abort and crash recovery (real runc, real overlay)", () => {
  beforeAll(requireRootAndRunc);
  let base: { dir: string; dispose(): Promise<void> };
  let lower: string;
  let lowerBefore: Snapshot;
  let n = 0;

  beforeAll(async () => {
    base = await tempDir("strata-abort-");
    lower = path.join(base.dir, "lower");
    await writeBusyboxRootfs(lower);
    lowerBefore = await snapshot(lower);
  });
  afterAll(async () => {
    expect(mountsUnder(base.dir)).toEqual([]);
    await base.dispose();
  });

  /** A fresh overlay rootfs over the shared busybox lower. */
  async function overlay(): Promise<{ rootfs: Mount[]; upper: string; work: string }> {
    const upper = path.join(base.dir, `upper${++n}`);
    const work = path.join(base.dir, `work${n}`);
    await mkdir(upper);
    await mkdir(work);
    return { rootfs: [{ type: "overlay", source: "overlay", options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] }], upper, work };
  }

  async function expectClean(stateDir: string) {
    expect(runcList(stateDir)).toEqual([]);
    expect(mountsUnder(stateDir)).toEqual([]);
    expect(await readdir(path.join(stateDir, "bundles"))).toEqual([]);
  }

  /**
   * What an interrupted run leaves in upperdir: only the mount points runc made for the system
   * mounts (kept, as BuildKit does); the /etc stub files and the /etc copied up for them are
   * gone, and lower is untouched.
   */
  async function expectOnlyMountPoints(upper: string) {
    const mountPoints = ["/dev", "/proc", "/sys"];
    expect(await tree(upper)).toEqual(mountPoints);
    expectOnlyMountPointDirsAdded(lowerBefore, overlayView(lowerBefore, await snapshot(upper)), mountPoints);
    expect(await snapshot(lower)).toEqual(lowerBefore);
  }

  it("kills a running process on abort, cleans up and throws CANCELED", async () => {
    const stateDir = path.join(base.dir, "state-abort");
    const runner = createRuncRunner({ stateDir });
    const { rootfs, upper } = await overlay();
    const ac = new AbortController();
    const started = Date.now();
    const run = runner.run(
      { rootfs, args: ["/bin/sh", "-c", "echo ready; exec sleep 100"], env: [], cwd: "/" },
      { stdout: () => ac.abort() },
      ac.signal,
    );
    await expect(run).rejects.toMatchObject({ code: "CANCELED" });
    expect(Date.now() - started).toBeLessThan(5000);
    await expectClean(stateDir);
    await expectOnlyMountPoints(upper);
  });

  it("releaseLater: returns with the root still being unmounted; teardownsSettled() ends it the same as a plain run", async () => {
    const stateDir = path.join(base.dir, "state-later");
    const runner = createRuncRunner({ stateDir });
    const { rootfs, upper } = await overlay();
    const spec = { rootfs, args: ["/bin/sh", "-c", "echo out > /out.txt"], env: [], cwd: "/", releaseLater: true };
    expect(await runner.run(spec)).toEqual({ exitCode: 0 });
    // The stub files and the /etc copied up for them are already gone from the upper dir.
    expect(await tree(upper)).toEqual(["/dev", "/out.txt", "/proc", "/sys"]);
    await teardownsSettled();
    await expectClean(stateDir);
  });

  it("cancels cleanly however early the abort comes", async () => {
    const stateDir = path.join(base.dir, "state-early");
    const runner: RuncRunner = createRuncRunner({ stateDir });
    const { rootfs } = await overlay();
    const spec = { rootfs, args: ["/bin/sleep", "100"], env: [], cwd: "/" };
    await expect(runner.run(spec, {}, AbortSignal.abort())).rejects.toMatchObject({ code: "CANCELED" });
    for (const delay of [0, 5, 30, 80]) {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), delay);
      await expect(runner.run(spec, {}, ac.signal)).rejects.toMatchObject({ code: "CANCELED" });
      await expectClean(stateDir);
    }
  });

  /** Starts a run in a child process and SIGKILLs it once the container runs. */
  async function killedMidRun(stateDir: string, upper: string, work: string): Promise<void> {
    const child = spawn(
      process.execPath,
      ["--conditions=@strata/source", "--import", path.join(import.meta.dirname, "testsuite/ts-register.mjs"),
        path.join(import.meta.dirname, "testsuite/run-until-killed.ts"), stateDir, lower, upper, work],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => c.toString().includes("ready") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(runcList(stateDir)).toHaveLength(1);
    expect(mountsUnder(stateDir)).toHaveLength(1);
  }

  it("cleanup() removes the container, mount and bundle of a SIGKILLed process", async () => {
    const stateDir = path.join(base.dir, "state-crash");
    const { upper, work } = await overlay();
    await killedMidRun(stateDir, upper, work);

    await createRuncRunner({ stateDir }).cleanup();
    await expectClean(stateDir);
    await expectOnlyMountPoints(upper);
  });

  it("cleanup() removes a bundle whose container and rootfs mount were already gone (killed while tearing down)", async () => {
    const stateDir = path.join(base.dir, "state-crash-late");
    const { upper, work } = await overlay();
    await killedMidRun(stateDir, upper, work);
    execFileSync("runc", ["--root", path.join(stateDir, "state"), "delete", "--force", runcList(stateDir)[0]!]);
    execFileSync("umount", [mountsUnder(stateDir)[0]!]);

    await createRuncRunner({ stateDir }).cleanup();
    await expectClean(stateDir);
  });
});
