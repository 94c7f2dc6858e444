import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mount } from "@strata/core";
import { createRuncRunner, type RuncRunner } from "./runc-runner.js";
import { tempDir, writeBusyboxRootfs } from "./testsuite/busybox-rootfs.js";
import { capture, expectOnlyMountPointDirsAdded, hasRunc, mountsUnder, runcList, snapshot, requireRootAndRunc } from "./testsuite/run-helpers.js";


describe("createRuncRunner (real runc)", () => {
  beforeAll(requireRootAndRunc);
  let base: { dir: string; dispose(): Promise<void> };
  let rootfsDir: string;
  let rootfs: Mount[];
  let stateDir: string;
  let runner: RuncRunner;

  beforeAll(async () => {
    base = await tempDir("strata-runner-");
    rootfsDir = path.join(base.dir, "rootfs");
    await writeBusyboxRootfs(rootfsDir);
    rootfs = [{ type: "bind", source: rootfsDir, options: ["rbind"] }];
    stateDir = path.join(base.dir, "state");
    runner = createRuncRunner({ stateDir });
  });

  afterAll(async () => {
    expect(mountsUnder(base.dir)).toEqual([]);
    await base.dispose();
  });

  const sh = (script: string, extra: Partial<Parameters<RuncRunner["run"]>[0]> = {}) => ({
    rootfs,
    args: ["/bin/sh", "-c", script],
    env: [],
    cwd: "/",
    ...extra,
  });

  it("returns the process's exit code and leaves no bundle behind", async () => {
    expect(await runner.run(sh("exit 0"))).toEqual({ exitCode: 0 });
    expect(await runner.run(sh("exit 3"))).toEqual({ exitCode: 3 });
    expect(await runner.run(sh("exit 255"))).toEqual({ exitCode: 255 });
    expect(await readdir(path.join(stateDir, "bundles"))).toEqual([]);
    expect(runcList(stateDir)).toEqual([]);
  });

  it("keeps stdout and stderr apart", async () => {
    const io = capture();
    await runner.run(sh("echo out1; echo err1 >&2; echo out2"), io);
    expect(io.out()).toBe("out1\nout2\n");
    expect(io.err()).toBe("err1\n");
  });

  it("passes env, adds Docker's PATH and HOME, and creates a missing working directory", async () => {
    const io = capture();
    await runner.run(sh('echo "$FOO|$PATH|$HOME|$(pwd)"', { env: ["FOO=bar baz"], cwd: "/work/dir" }), io);
    expect(io.out()).toBe("bar baz|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|/root|/work/dir\n");
    const st = await stat(path.join(rootfsDir, "work", "dir"));
    expect([st.isDirectory(), st.uid, st.gid]).toEqual([true, 0, 0]);
  });

  it("keeps PATH and HOME when the env sets them", async () => {
    const io = capture();
    await runner.run(sh('echo "$PATH|$HOME"', { env: ["PATH=/bin", "HOME=/x"] }), io);
    expect(io.out()).toBe("/bin|/x\n");
  });

  it("runs as a named user with its supplementary groups and home", async () => {
    const io = capture();
    await runner.run(sh('id -u; id -g; id -G | tr " " "\\n" | sort -n | xargs; echo "$HOME"', { user: "app" }), io);
    expect(io.out().split("\n")).toEqual(["1000", "1000", "29 50 1000", "/home/app", ""]);
  });

  it("runs as uid:gid and as a numeric uid without a passwd entry", async () => {
    const io = capture();
    await runner.run(sh("id -u; id -g; id -G", { user: "1000:50" }), io);
    expect(io.out().split("\n")).toEqual(["1000", "50", "50", ""]);
    const io2 = capture();
    await runner.run(sh('id -u; id -g; echo "$HOME"', { user: "4242" }), io2);
    expect(io2.out().split("\n")).toEqual(["4242", "0", "/", ""]);
  });

  it("rejects an unknown user name as Docker does", async () => {
    await expect(runner.run(sh("true", { user: "ghost" }))).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "unable to find user ghost: no matching entries in passwd file",
    });
    expect(await readdir(path.join(stateDir, "bundles"))).toEqual([]);
  });

  it("gives network none only a loopback, and it is up", async () => {
    const io = capture();
    const script = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip -o link show lo; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok";
    await runner.run(sh(script), io);
    const [iface, lo, ping] = io.out().trim().split("\n");
    expect(iface).toBe("lo");
    expect(lo).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    expect(ping).toBe("ping-ok");
  });

  it("shares the host's interfaces with network host", async () => {
    const names = (text: string) =>
      text.split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter(Boolean).sort();
    const io = capture();
    await runner.run(sh("cat /proc/net/dev", { network: "host" }), io);
    expect(names(io.out())).toEqual(names(await readFile("/proc/net/dev", "utf8")));
    expect(names(io.out()).length).toBeGreaterThan(1);
  });

  it("sets the hostname and generates /etc/hosts, /etc/hostname and /etc/resolv.conf", async () => {
    const io = capture();
    await runner.run(sh("hostname; cat /etc/hostname; grep -c localhost /etc/hosts; cat /etc/resolv.conf", { hostname: "builder" }), io);
    const hostResolv = await readFile("/etc/resolv.conf", "utf8").catch(() => "");
    expect(io.out()).toBe(`builder\nbuilder\n2\n${hostResolv}`);
    const io2 = capture();
    await runner.run(sh("hostname"), io2);
    expect(io2.out()).toMatch(/^[0-9a-f]{12}\n$/);
  });

  it("writes land in a plain-directory rootfs", async () => {
    await runner.run(sh("echo hi > /written.txt"));
    expect(await readFile(path.join(rootfsDir, "written.txt"), "utf8")).toBe("hi\n");
  });

  it("binds spec.mounts, read-only when asked, leaving only their mount-point directories", async () => {
    const rw = path.join(base.dir, "rw");
    const ro = path.join(base.dir, "ro");
    await mkdir(rw);
    await mkdir(ro);
    await writeFile(path.join(ro, "in.txt"), "input\n");
    await runner.run(sh("true")); // /dev, /proc, /sys exist from now on, even when this test runs alone
    const before = await snapshot(rootfsDir);
    const io = capture();
    const { exitCode } = await runner.run(
      sh("cat /mnt/in/in.txt; echo out > /mnt/out/o.txt; touch /mnt/in/x 2>/dev/null || echo ro", {
        mounts: [
          { destination: "/mnt/in", source: ro, readonly: true },
          { destination: "/mnt/out", source: rw },
        ],
      }),
      io,
    );
    expect([exitCode, io.out()]).toEqual([0, "input\nro\n"]);
    expect(await readFile(path.join(rw, "o.txt"), "utf8")).toBe("out\n");
    // As BuildKit: the bind targets and their missing parent stay, empty (o.txt went to rw).
    expectOnlyMountPointDirsAdded(before, await snapshot(rootfsDir), ["/mnt", "/mnt/in", "/mnt/out"]);
  });

  it("has Docker's default capabilities, devices and masked paths", async () => {
    const io = capture();
    const script = [
      "grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status | cut -f2 | sort -u",
      "cat /proc/timer_list /proc/keys | wc -c",
      "echo x > /proc/sys/kernel/hostname 2>/dev/null || echo proc-sys-ro",
      "touch /sys/x 2>/dev/null || echo sys-ro",
      "echo x > /dev/null && test -c /dev/zero && test -d /dev/shm && test -d /dev/pts && echo dev-ok",
    ].join("; ");
    await runner.run(sh(script), io);
    // Docker's default set, as `docker run` reports it.
    expect(io.out()).toBe("00000000a80425fb\n0\nproc-sys-ro\nsys-ro\ndev-ok\n");
  });

  it("says UNAVAILABLE, with the install hint, when the runtime is missing", async () => {
    const missing = createRuncRunner({ stateDir, runtime: path.join(base.dir, "no-runc") });
    await expect(missing.run(sh("true"))).rejects.toMatchObject({ code: "UNAVAILABLE", hint: expect.stringContaining("apt-get install runc") });
  });

  it("refuses cleanup() while one of its runs is in flight", async () => {
    const ac = new AbortController();
    const running = runner.run(sh("sleep 100"), {}, ac.signal);
    await expect(runner.cleanup()).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    ac.abort();
    await expect(running).rejects.toMatchObject({ code: "CANCELED" });
    await runner.cleanup();
  });

  it("passes a throwing output consumer's error on, after the run is cleaned up", async () => {
    const boom = new Error("consumer failed");
    const run = runner.run(sh("echo hi"), { stdout: () => { throw boom; } });
    await expect(run).rejects.toBe(boom);
    expect(await readdir(path.join(stateDir, "bundles"))).toEqual([]);
  });

  it("fails with RUN_FAILED when runc cannot start the process", async () => {
    await expect(runner.run({ rootfs, args: ["/no/such/binary"], env: [], cwd: "/" })).rejects.toMatchObject({
      code: "RUN_FAILED",
    });
    expect(await readdir(path.join(stateDir, "bundles"))).toEqual([]);
    expect(runcList(stateDir)).toEqual([]);
  });
});
