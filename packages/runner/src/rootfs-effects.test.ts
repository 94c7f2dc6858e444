import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { createRuncRunner, type RuncRunner } from "./runc-runner.js";
import { tempDir, writeBusyboxRootfs } from "./testsuite/busybox-rootfs.js";
import { expectOnlyMountPointDirsAdded, hasRunc, mountsUnder, overlayView, snapshot, tree, requireRootAndRunc } from "./testsuite/run-helpers.js";


describe("what a run leaves in its rootfs (real runc, real overlay)", () => {
  beforeAll(requireRootAndRunc);
  let base: { dir: string; dispose(): Promise<void> };
  let runner: RuncRunner;

  beforeAll(async () => {
    base = await tempDir("strata-rootfs-");
    runner = createRuncRunner({ stateDir: path.join(base.dir, "state") });
  });
  afterAll(async () => {
    expect(mountsUnder(base.dir)).toEqual([]);
    await base.dispose();
  });

  /** The mount points every run here makes when missing: runc's system mounts and the secret bind. */
  const SYSTEM_AND_SECRET = ["/dev", "/proc", "/run", "/run/secrets", "/run/secrets/x", "/sys"];

  const spec = (rootfs: Mount[], script: string) => ({
    rootfs,
    args: ["/bin/sh", "-c", script],
    env: [],
    cwd: "/",
    mounts: [{ destination: "/run/secrets/x", source: base.dir, readonly: true }],
  });

  it("leaves only mount-point directories, no stub files, in a rootfs lacking /proc, /sys, /dev and /etc", async () => {
    const dir = path.join(base.dir, "bare");
    await writeBusyboxRootfs(dir, { etc: false });
    const before = await snapshot(dir);
    const { exitCode } = await runner.run(spec([{ type: "bind", source: dir, options: ["rbind"] }], "test -f /etc/hosts && ls /proc/self >/dev/null"));
    expect(exitCode).toBe(0);
    // /etc stays (the parent runc made for the /etc file binds), emptied of its stub files.
    expectOnlyMountPointDirsAdded(before, await snapshot(dir), [...SYSTEM_AND_SECRET, "/etc"]);
  });

  it("leaves no stub files in an existing /etc either", async () => {
    const dir = path.join(base.dir, "with-etc");
    await writeBusyboxRootfs(dir);
    const before = await snapshot(dir);
    expect((await runner.run(spec([{ type: "bind", source: dir, options: ["rbind"] }], "true"))).exitCode).toBe(0);
    // /etc/hosts, /etc/hostname and /etc/resolv.conf are gone and /etc has its mtime back.
    expectOnlyMountPointDirsAdded(before, await snapshot(dir), SYSTEM_AND_SECRET);
  });

  it("honours a read-only bind root and still leaves no stub files", async () => {
    const dir = path.join(base.dir, "read-only");
    await writeBusyboxRootfs(dir, { etc: false });
    const before = await snapshot(dir);
    const io = { stdout: (c: Buffer) => out.push(c) };
    const out: Buffer[] = [];
    const rootfs: Mount[] = [{ type: "bind", source: dir, options: ["rbind", "ro"] }];
    expect((await runner.run(spec(rootfs, "touch /x 2>/dev/null || echo read-only"), io)).exitCode).toBe(0);
    expect(Buffer.concat(out).toString()).toBe("read-only\n");
    // /etc stays (the parent runc made for the /etc file binds), emptied of its stub files.
    expectOnlyMountPointDirsAdded(before, await snapshot(dir), [...SYSTEM_AND_SECRET, "/etc"]);
  });

  it("writes into the overlay's upperdir only: mount points but no stub files, no whiteouts, lower untouched", async () => {
    const lower = path.join(base.dir, "lower");
    const upper = path.join(base.dir, "upper");
    const work = path.join(base.dir, "work");
    await writeBusyboxRootfs(lower);
    await mkdir(path.join(lower, "usr", "local"), { recursive: true });
    await mkdir(upper);
    await mkdir(work);
    const lowerBefore = await snapshot(lower);
    const rootfs: Mount[] = [
      { type: "overlay", source: "overlay", options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] },
    ];
    // /etc/hosts and /usr/local/share/data are stubs in lower-only directories: the overlay
    // copies /etc, /usr and /usr/local up for them. /etc holds only removed stub files, so it
    // must not stay in upperdir; /usr/local now holds the kept mount point /usr/local/share.
    const withNestedBind = spec(rootfs, "echo hi > /out.txt && mkdir -p /var/cache && cat /etc/hostname >/dev/null");
    withNestedBind.mounts.push({ destination: "/usr/local/share/data", source: base.dir, readonly: true });
    const { exitCode } = await runner.run(withNestedBind);
    expect(exitCode).toBe(0);
    const mountPoints = [...SYSTEM_AND_SECRET, "/usr/local/share", "/usr/local/share/data"];
    const runWrites = ["/out.txt", "/var", "/var/cache"];
    expect(await tree(upper)).toEqual([...mountPoints, ...runWrites, "/usr", "/usr/local"].sort());
    const { "/out.txt": outTxt, "/var": varDir, "/var/cache": cacheDir, ...merged } = overlayView(lowerBefore, await snapshot(upper));
    expect(outTxt).toBe("100644 0:0 3");
    expect([varDir, cacheDir]).toEqual([expect.stringMatching(/^40755 0:0 /), expect.stringMatching(/^40755 0:0 /)]);
    // Copied up, /usr still shows exactly as in lower; /usr/local only with a new mtime.
    expectOnlyMountPointDirsAdded(lowerBefore, merged, mountPoints);
    expect(await readFile(path.join(upper, "out.txt"), "utf8")).toBe("hi\n");
    expect(await snapshot(lower)).toEqual(lowerBefore);
    expect(await readdir(path.join(base.dir, "state", "bundles"))).toEqual([]);
  });

  it("keeps a lower directory in upperdir when the run really changed it", async () => {
    const lower = path.join(base.dir, "lower2");
    await writeBusyboxRootfs(lower);
    const upper = path.join(base.dir, "upper2");
    const work = path.join(base.dir, "work2");
    await mkdir(upper);
    await mkdir(work);
    const rootfs: Mount[] = [
      { type: "overlay", source: "overlay", options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] },
    ];
    const lowerBefore = await snapshot(lower);
    expect((await runner.run(spec(rootfs, "chmod 700 /etc"))).exitCode).toBe(0);
    expect(await tree(upper)).toEqual([...SYSTEM_AND_SECRET, "/etc"].sort());
    const merged = overlayView(lowerBefore, await snapshot(upper));
    // Mode changed, mtime back to the lower one's once its stub files were removed.
    expect(merged["/etc"]).toBe(lowerBefore["/etc"]!.replace(/^40755 /, "40700 "));
    expectOnlyMountPointDirsAdded(lowerBefore, { ...merged, "/etc": lowerBefore["/etc"]! }, SYSTEM_AND_SECRET);
    expect((await runner.run(spec(rootfs, "echo x > /etc/new"))).exitCode).toBe(0);
    expect(await tree(upper)).toEqual([...SYSTEM_AND_SECRET, "/etc", "/etc/new"].sort());
  });
});
