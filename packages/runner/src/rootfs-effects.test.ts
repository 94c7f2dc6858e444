import { lstat, mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { createRuncRunner, type RuncRunner } from "./runc-runner.js";
import { tempDir, writeBusyboxRootfs } from "./testsuite/busybox-rootfs.js";
import { hasRunc, mountsUnder, tree } from "./testsuite/run-helpers.js";

const canRun = process.getuid?.() === 0 && hasRunc();

/** Path → "mode uid gid mtime" for every entry, so any stray change shows up. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of ["/", ...(await tree(dir))]) {
    const st = await lstat(path.join(dir, p), { bigint: true });
    out[p] = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? st.mtimeNs : st.size}`;
  }
  return out;
}

describe.skipIf(!canRun)("what a run leaves in its rootfs (real runc, real overlay)", () => {
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

  const spec = (rootfs: Mount[], script: string) => ({
    rootfs,
    args: ["/bin/sh", "-c", script],
    env: [],
    cwd: "/",
    mounts: [{ destination: "/run/secrets/x", source: base.dir, readonly: true }],
  });

  it("leaves no mount stubs in a rootfs lacking /proc, /sys, /dev and /etc", async () => {
    const dir = path.join(base.dir, "bare");
    await writeBusyboxRootfs(dir, { etc: false });
    const before = await snapshot(dir);
    const { exitCode } = await runner.run(spec([{ type: "bind", source: dir, options: ["rbind"] }], "test -f /etc/hosts && ls /proc/self >/dev/null"));
    expect(exitCode).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
  });

  it("leaves no stubs next to an existing /etc either", async () => {
    const dir = path.join(base.dir, "with-etc");
    await writeBusyboxRootfs(dir);
    const before = await snapshot(dir);
    expect((await runner.run(spec([{ type: "bind", source: dir, options: ["rbind"] }], "true"))).exitCode).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
  });

  it("honours a read-only bind root and still leaves no stubs", async () => {
    const dir = path.join(base.dir, "read-only");
    await writeBusyboxRootfs(dir, { etc: false });
    const before = await snapshot(dir);
    const io = { stdout: (c: Buffer) => out.push(c) };
    const out: Buffer[] = [];
    const rootfs: Mount[] = [{ type: "bind", source: dir, options: ["rbind", "ro"] }];
    expect((await runner.run(spec(rootfs, "touch /x 2>/dev/null || echo read-only"), io)).exitCode).toBe(0);
    expect(Buffer.concat(out).toString()).toBe("read-only\n");
    expect(await snapshot(dir)).toEqual(before);
  });

  it("writes into the overlay's upperdir only: no stubs, no whiteouts, lower untouched", async () => {
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
    // copies /etc, /usr and /usr/local up for them, and they must not stay in upperdir.
    const withNestedBind = spec(rootfs, "echo hi > /out.txt && mkdir -p /var/cache && cat /etc/hostname >/dev/null");
    withNestedBind.mounts.push({ destination: "/usr/local/share/data", source: base.dir, readonly: true });
    const { exitCode } = await runner.run(withNestedBind);
    expect(exitCode).toBe(0);
    expect(await tree(upper)).toEqual(["/out.txt", "/var", "/var/cache"]);
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
    expect((await runner.run(spec(rootfs, "chmod 700 /etc"))).exitCode).toBe(0);
    expect(await tree(upper)).toEqual(["/etc"]);
    expect((await lstat(path.join(upper, "etc"))).mode & 0o777).toBe(0o700);
    expect((await runner.run(spec(rootfs, "echo x > /etc/new"))).exitCode).toBe(0);
    expect(await tree(upper)).toEqual(["/etc", "/etc/new"]);
  });
});
