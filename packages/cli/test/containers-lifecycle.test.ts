import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanup, makeContext, mountsUnder, rootWithBusybox, strata } from "./helpers.js";
import { eventually, leftovers, processesMentioning, removeAllContainers } from "./container-helpers.js";

/** Alive and not a zombie (an orphaned process waits for PID 1 to reap it). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};
const noStackTrace = (out: string) => expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("container lifecycle without a daemon (needs root, runc, conmon)", () => {
  let root: string;
  const inspect = async (ref: string, f: string) => (await strata(root, ["inspect", "-f", f, ref])).stdout;

  beforeAll(async () => {
    root = await rootWithBusybox();
    const ctx = await makeContext({
      Dockerfile: [
        "FROM busybox",
        "STOPSIGNAL SIGUSR1",
        `CMD ["sh", "-c", "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.1; done"]`,
      ].join("\n"),
    });
    const b = await strata(root, ["build", "-q", "-t", "strata-test/stopsignal", ctx]);
    expect(b.exitCode, b.all).toBe(0);
    const scratch = await makeContext({ Dockerfile: "FROM scratch\nCOPY f /f\n", f: "x" });
    const s = await strata(root, ["build", "-q", "-t", "strata-test/nocmd", scratch]);
    expect(s.exitCode, s.all).toBe(0);
    await cleanup(ctx, scratch);
  });

  afterAll(async () => {
    const left = await removeAllContainers(root);
    await cleanup(root);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it("runs in the foreground: output on stdout and stderr, stdin with -i, the exit code as its own", async () => {
    const r = await strata(root, ["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([3, "out", "err"]);
    const i = await strata(root, ["run", "--rm", "-i", "busybox", "sh", "-c", "read line; echo got:$line"], { input: "hello\n" });
    expect([i.exitCode, i.stdout]).toEqual([0, "got:hello"]);
    const t = await strata(root, ["run", "--rm", "-t", "busybox", "sh", "-c", "tty"]);
    expect(t.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    const env = await strata(root, ["run", "--rm", "-e", "A=1", "-e", "HOME=/tmp", "-w", "/work", "-u", "1000:1000", "--hostname", "box", "busybox", "sh", "-c", 'echo "$A $HOME $(pwd) $(id -u):$(id -g) $(hostname)"']);
    expect(env.stdout).toBe("1 /tmp /work 1000:1000 box");
    const init = await strata(root, ["run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"]);
    expect(init.stdout).toContain("/sbin/docker-init -- sh -c");
    const ro = await strata(root, ["run", "--rm", "--read-only", "busybox", "sh", "-c", "touch /x"]);
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderr).toContain("Read-only file system");
    expect((await strata(root, ["ps", "-aq"])).stdout).toBe("");
  });

  it("-it on a terminal: run, attach with the detach keys (the container keeps its stdin), exec -it", async () => {
    // `script` gives the CLI a real pseudo-terminal; the input is typed into it with pauses.
    const typed = (cmd: string, steps: string[]) =>
      execa("bash", ["-c", `(${steps.map((s) => `sleep 0.7; printf '${s}'`).join("; ")}; sleep 0.7) | script -qfec ${JSON.stringify(cmd)} /dev/null`], { reject: false });
    const cli = `${CLI} --root ${root}`;
    const run = await typed(`${cli} run -it --rm busybox sh`, ["echo in-tty-$((1+2))\\n", "exit 3\\n"]);
    expect(run.stdout).toContain("in-tty-3");
    expect(run.exitCode).toBe(3);
    await strata(root, ["run", "-dit", "--name", "tty", "busybox", "sh"]);
    const a1 = await typed(`${cli} attach tty`, ["echo first-$((2+2))\\n", "\\x10\\x11"]);
    expect([a1.exitCode, a1.stdout.includes("first-4")]).toEqual([0, true]);
    expect((await strata(root, ["ps", "--filter", "name=tty", "--format", "{{.State}}"])).stdout).toBe("running");
    const ex = await typed(`${cli} exec -it tty sh`, ["tty; exit 2\\n"]);
    expect(ex.exitCode).toBe(2);
    expect(ex.stdout).toMatch(/\/dev\/pts\/\d+/);
    const a2 = await typed(`${cli} attach tty`, ["exit 5\\n"]);
    expect(a2.exitCode).toBe(5);
    expect(await inspect("tty", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 5");
    await strata(root, ["rm", "tty"]);
  });

  it("a detached container outlives the CLI; logs -f follows it; wait prints its exit code; ps -a shows Exited (N) … ago", async () => {
    const r = await strata(root, ["run", "-d", "--name", "lines", "busybox", "sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.3; done; exit 4"]);
    expect(r.exitCode, r.all).toBe(0);
    const id = r.stdout;
    // The CLI has exited; the container's monitor has not.
    expect(processesMentioning(root).some((p) => p.cmd.includes("conmon") && p.cmd.includes(id))).toBe(true);
    expect((await strata(root, ["ps", "--format", "{{.Names}} {{.State}}"])).stdout).toContain("lines running");
    const logs = await strata(root, ["logs", "-f", "lines"]);
    expect(logs.stdout).toBe("line 1\nline 2\nline 3");
    const wait = await strata(root, ["wait", "lines"]);
    expect([wait.exitCode, wait.stdout]).toEqual([0, "4"]);
    expect((await strata(root, ["ps", "-a", "--filter", "name=lines", "--format", "{{.Status}}"])).stdout).toMatch(/^Exited \(4\) (Less than a second|\d+ seconds?) ago$/);
    const ts = await strata(root, ["logs", "-t", "--tail", "1", "lines"]);
    expect(ts.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 3$/);
    expect(await inspect("lines", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}")).toBe("exited 4 false");
    await strata(root, ["rm", "lines"]);
  });

  it("stop sends the image's STOPSIGNAL, then SIGKILL after the timeout", async () => {
    await strata(root, ["run", "-d", "--name", "usr1", "strata-test/stopsignal"]);
    await eventually(async () => (await strata(root, ["logs", "usr1"])).stdout.includes("ready"), 10_000, "ready");
    const stop = await strata(root, ["stop", "-t", "5", "usr1"]);
    expect([stop.exitCode, stop.stdout]).toEqual([0, "usr1"]);
    expect(await inspect("usr1", "{{.State.ExitCode}}")).toBe("7");
    expect((await strata(root, ["logs", "usr1"])).stdout).toContain("got-usr1");

    // sleep as PID 1 ignores SIGTERM: killed once the timeout is over.
    await strata(root, ["run", "-d", "--name", "stubborn", "busybox", "sleep", "1000"]);
    const t0 = Date.now();
    await strata(root, ["stop", "-t", "1", "stubborn"]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(await inspect("stubborn", "{{.State.ExitCode}} {{.State.Status}}")).toBe("137 exited");
    expect((await strata(root, ["stop", "stubborn"])).exitCode).toBe(0); // already stopped: nothing to do
    await strata(root, ["rm", "usr1", "stubborn"]);
  });

  it("a killed monitor is detected: the container is reported exited with the reason, and nothing is left", async () => {
    const id = (await strata(root, ["run", "-d", "--name", "orphan", "busybox", "sleep", "1000"])).stdout;
    const conmon = Number(await readFile(path.join(root, "containers", id, "conmon.pid"), "utf8"));
    const pid = Number(await inspect("orphan", "{{.State.Pid}}"));
    expect(alive(pid)).toBe(true);
    process.kill(conmon, "SIGKILL");
    await sleep(100);
    const ps = await strata(root, ["ps", "-a", "--filter", "name=orphan", "--format", "{{.Status}}"]);
    expect(ps.stdout).toMatch(/^Exited \(137\)/);
    expect(await inspect("orphan", "{{.State.Error}}")).toContain("monitor (conmon");
    expect(await mountsUnder(path.join(root, "containers"))).toEqual([]);
    expect(alive(pid)).toBe(false);
    await strata(root, ["rm", "orphan"]);
  });

  it("a SIGKILLed CLI leaves the container running under its monitor, then cleaned up when it exits", async () => {
    const cli = execa(CLI, ["--root", root, "run", "--name", "survivor", "busybox", "sh", "-c", "sleep 3; echo done"], { reject: false });
    await eventually(async () => (await strata(root, ["ps", "--filter", "name=survivor", "-q"])).stdout !== "", 10_000, "running");
    cli.kill("SIGKILL");
    // (`await cli` would also wait for the attach helper, which holds the CLI's stdout until the container ends.)
    await eventually(() => !alive(cli.pid!), 5000, "the CLI gone");
    expect((await strata(root, ["ps", "--filter", "name=survivor", "--format", "{{.State}}"])).stdout).toBe("running");
    await eventually(async () => (await strata(root, ["ps", "-a", "--filter", "name=survivor", "--format", "{{.State}}"])).stdout === "exited", 10_000, "exited");
    expect((await strata(root, ["logs", "survivor"])).stdout).toBe("done");
    expect(await inspect("survivor", "{{.State.ExitCode}}")).toBe("0");
    // conmon's exit command released the mount (it runs a moment after the exit).
    expect(await leftovers(root)).toEqual({ mounts: [], processes: [] });
    await strata(root, ["rm", "survivor"]);
    await cli;
  });

  it("a CLI killed in the middle of a start: the next command undoes the mount it left", async () => {
    // A monitor that never answers holds the start after the rootfs is mounted.
    const fake = path.join(root, "slow-conmon");
    await writeFile(fake, `#!/bin/sh\necho $$ > ${fake}.pid\nexec sleep 30\n`, { mode: 0o755 });
    await strata(root, ["create", "--name", "halfway", "busybox", "true"]);
    const cli = execa(CLI, ["--root", root, "start", "halfway"], { reject: false, env: { STRATA_CONMON: fake } });
    const rootfs = path.join(root, "containers", (await strata(root, ["inspect", "-f", "{{.Id}}", "halfway"])).stdout, "rootfs");
    // The stand-in monitor writing its pid means the start is past the mount and waiting on it.
    await eventually(async () => (await mountsUnder(root)).includes(rootfs) && existsSync(`${fake}.pid`), 20_000, "the rootfs mounted and the monitor started");
    cli.kill("SIGKILL");
    await cli;
    expect(await mountsUnder(root)).toContain(rootfs);
    expect((await strata(root, ["ps", "-a", "--filter", "name=halfway", "--format", "{{.State}}"])).stdout).toBe("created");
    expect(await mountsUnder(root)).not.toContain(rootfs);
    const again = await strata(root, ["start", "-a", "halfway"]);
    expect(again.exitCode, again.all).toBe(0);
    await strata(root, ["rm", "halfway"]);
    process.kill(Number(await readFile(`${fake}.pid`, "utf8")), "SIGKILL"); // the stand-in monitor, by its pid
  });

  it("exec, top, restart, pause, rename, kill", async () => {
    await strata(root, ["run", "-d", "--name", "svc", "-e", "FROM_RUN=1", "busybox", "sh", "-c", "echo started; exec sleep 1000"]);
    const ex = await strata(root, ["exec", "-e", "X=2", "-w", "/tmp", "-u", "nobody", "svc", "sh", "-c", 'echo "$FROM_RUN $X $(pwd) $(id -un)"']);
    expect(ex.stdout).toBe("1 2 /tmp nobody");
    const exi = await strata(root, ["exec", "-i", "svc", "cat"], { input: "piped" });
    expect(exi.stdout).toBe("piped");
    expect((await strata(root, ["exec", "svc", "sh", "-c", "exit 5"])).exitCode).toBe(5);
    const top = await strata(root, ["top", "svc"]);
    expect(top.stdout.split("\n")[0]).toMatch(/^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    expect(top.stdout).toContain("sleep 1000");
    const restart = await strata(root, ["restart", "-t", "0", "svc"]);
    expect(restart.stdout).toBe("svc");
    await eventually(async () => (await strata(root, ["logs", "svc"])).stdout === "started\nstarted", 10_000, "second start");
    expect((await strata(root, ["pause", "svc"])).exitCode).toBe(0);
    expect((await strata(root, ["ps", "--filter", "name=svc", "--format", "{{.Status}}"])).stdout).toMatch(/^Up .* \(Paused\)$/);
    expect((await strata(root, ["unpause", "svc"])).exitCode).toBe(0);
    expect((await strata(root, ["rename", "svc", "svc2"])).exitCode).toBe(0);
    expect((await strata(root, ["inspect", "-f", "{{.Name}}", "svc2"])).stdout).toBe("/svc2");
    expect((await strata(root, ["inspect", "svc"])).exitCode).toBe(1);
    const kill = await strata(root, ["kill", "-s", "TERM", "svc2"]);
    expect(kill.exitCode).toBe(0);
    const again = await strata(root, ["kill", "svc2"]);
    await eventually(async () => (await strata(root, ["inspect", "-f", "{{.State.Status}}", "svc2"])).stdout === "exited", 10_000, "exited");
    expect([0, 1]).toContain(again.exitCode);
    const notRunning = await strata(root, ["kill", "svc2"]);
    expect(notRunning.exitCode).toBe(1);
    expect(notRunning.stderr).toContain("is not running");
    await strata(root, ["rm", "svc2"]);
  });

  it("bad input: one clear line and Docker's exit status, nothing changed", async () => {
    const count = async () => (await strata(root, ["ps", "-aq"])).stdout.split("\n").filter(Boolean).length;
    const n = await count();
    const cases: [string[], number, RegExp][] = [
      [["run", "--rm", "nosuch/image:1"], 125, /Unable to find image 'nosuch\/image:1' locally/],
      [["run", "--rm", "busybox", "nosuchcommand"], 127, /executable file not found/],
      [["run", "--rm", "busybox", "/etc/passwd"], 126, /permission denied/],
      [["run", "--rm", "strata-test/nocmd"], 125, /No command specified/],
      [["create", "--name", "bad name", "busybox"], 125, /Invalid container name/],
      [["run", "--rm", "-w", "relative", "busybox", "true"], 125, /needs to be an absolute path/],
      [["run", "--rm", "-p", "70000:80", "busybox", "true"], 125, /out of range/],
      [["run", "--rm", "--stop-signal", "SIGNOPE", "busybox", "true"], 125, /Invalid signal/],
      [["start", "nosuchcontainer"], 125, /No such container: nosuchcontainer/],
      [["rm", "nosuchcontainer"], 1, /No such container: nosuchcontainer/],
      [["exec", "nosuchcontainer", "true"], 125, /No such container/],
      [["logs", "nosuchcontainer"], 1, /No such container/],
    ];
    for (const [args, code, message] of cases) {
      const r = await strata(root, args);
      expect(r.exitCode, `${args.join(" ")}: ${r.all}`).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("hint:"))).toHaveLength(1);
      noStackTrace(r.all);
    }
    expect(await count()).toBe(n);

    await strata(root, ["run", "-d", "--name", "busy", "busybox", "sleep", "1000"]);
    const dup = await strata(root, ["run", "--name", "busy", "busybox", "true"]);
    expect(dup.exitCode).toBe(125);
    expect(dup.stderr).toContain('The container name "/busy" is already in use');
    const rm = await strata(root, ["rm", "busy"]);
    expect(rm.exitCode).toBe(1);
    expect(rm.stderr).toContain("You cannot remove a running container");
    const start = await strata(root, ["start", "busy"]);
    expect([start.exitCode, start.stdout]).toEqual([0, "busy"]); // as Docker: already running is not an error
    expect((await strata(root, ["rm", "-f", "busy"])).exitCode).toBe(0);
    expect(await count()).toBe(n);
  });

  it("ps: -q, --no-trunc, filters, --format json; inspect of a container", async () => {
    const a = (await strata(root, ["create", "--name", "f-created", "-l", "team=a", "busybox", "true"])).stdout;
    await strata(root, ["run", "-d", "--name", "f-running", "strata-test/stopsignal"]);
    expect((await strata(root, ["ps", "-q"])).stdout.split("\n")).toHaveLength(1);
    expect((await strata(root, ["ps", "-aq", "--no-trunc", "--filter", "status=created"])).stdout.split("\n")).toContain(a);
    expect((await strata(root, ["ps", "-a", "--filter", "label=team=a", "--format", "{{.Names}}"])).stdout).toBe("f-created");
    expect((await strata(root, ["ps", "-a", "--filter", "ancestor=busybox", "--format", "{{.Names}}"])).stdout.split("\n").sort()).toEqual(["f-created", "f-running"]);
    expect((await strata(root, ["ps", "-a", "--filter", "ancestor=strata-test/stopsignal", "--format", "{{.Names}}"])).stdout).toBe("f-running");
    const json = (await strata(root, ["ps", "-a", "--format", "json"])).stdout.split("\n").map((l) => JSON.parse(l));
    expect(json.find((j) => j.Names === "f-created")).toMatchObject({ State: "created", Status: "Created", Image: "busybox", Command: '"true"' });
    expect((await strata(root, ["ps", "--filter", "status=bogus"])).exitCode).toBe(1);
    const obj = JSON.parse((await strata(root, ["inspect", "f-created"])).stdout)[0];
    expect(obj).toMatchObject({ Id: a, Name: "/f-created", Path: "true", Args: [], State: { Status: "created", Running: false }, Config: { Image: "busybox", Cmd: ["true"], Labels: { team: "a" } } });
    expect(obj.Image).toMatch(/^sha256:/);
    // A name that is both an image and no container is inspected as the image.
    expect(JSON.parse((await strata(root, ["inspect", "busybox"])).stdout)[0].RepoTags).toEqual(["busybox:latest"]);
    expect((await strata(root, ["inspect", "--type", "container", "busybox"])).exitCode).toBe(1);
    expect((await strata(root, ["container", "inspect", "-f", "{{.State.Status}}", "f-created"])).stdout).toBe("created");
    await strata(root, ["rm", "-f", "f-created", "f-running"]);
    // container prune removes only stopped containers.
    await strata(root, ["create", "--name", "p1", "busybox", "true"]);
    await strata(root, ["run", "-d", "--name", "p2", "busybox", "sleep", "1000"]);
    const prune = await strata(root, ["container", "prune", "-f"]);
    expect(prune.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B$/);
    expect((await strata(root, ["ps", "-a", "--format", "{{.Names}}"])).stdout).toBe("p2");
    await strata(root, ["rm", "-f", "p2"]);
  });
});
