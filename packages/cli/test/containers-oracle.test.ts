import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER, ensureBusyboxInDocker } from "@strata/testkit";
import { SKIP_DOCKER, requireDockerAndRoot } from "../../../test/compat/harness/require-docker.js";
import { cleanup, rootWithBusybox, strata } from "./helpers.js";
import { removeAllContainers } from "./container-helpers.js";

const docker = (args: string[]) => execa(DOCKER, args, { reject: false });
const PREFIX = "strata-ctr-oracle";

/** The same changes, made in a Docker container and a strata one, must list the same `diff`. */
const SCRIPTS: Record<string, string> = {
  "add, change, delete": "mkdir -p /app && printf 'hello world\\n' > /app/x; rm /bin/zcat; echo hi >> /etc/passwd",
  "nested adds and a deleted tree": "mkdir -p /a/b/c && touch /a/b/c/d /a/e; rm -rf /home",
  "emptied and remade directory": "rm -rf /usr && mkdir /usr && touch /usr/new",
  "metadata only": "chmod 700 /tmp; chown 1:1 /etc/group",
  "symlink and hardlink": "ln -s /etc/passwd /lnk; ln /etc/group /etc/group2",
};

describe.skipIf(SKIP_DOCKER)("containers against Docker as the oracle (needs root, runc, conmon, Docker)", () => {
  let root: string;
  beforeAll(async () => {
    await requireDockerAndRoot();
    await ensureBusyboxInDocker();
    root = await rootWithBusybox();
  });
  afterAll(async () => {
    const names = (await docker(["ps", "-aq", "--filter", `name=${PREFIX}`])).stdout.split("\n").filter(Boolean);
    if (names.length > 0) await docker(["rm", "-f", ...names]);
    const left = await removeAllContainers(root);
    await cleanup(root);
    expect(left).toEqual({ mounts: [], processes: [] });
  });

  it.each(Object.entries(SCRIPTS))("diff lists what Docker lists: %s", async (label, script) => {
    const name = `${PREFIX}-${label.replace(/\W+/g, "-")}`;
    const d = await docker(["run", "--name", name, "--network=none", "busybox", "sh", "-c", script]);
    expect(d.exitCode, d.stderr).toBe(0);
    const s = await strata(root, ["run", "--name", name, "busybox", "sh", "-c", script]);
    expect(s.exitCode, s.all).toBe(0);
    const dockerDiff = (await docker(["diff", name])).stdout.split("\n").filter(Boolean).sort();
    const strataDiff = (await strata(root, ["diff", name])).stdout.split("\n").filter(Boolean).sort();
    expect(strataDiff).toEqual(dockerDiff);
    await docker(["rm", name]);
    await strata(root, ["rm", name]);
  });

  it("exit statuses and states match Docker's", async () => {
    const cases: string[][] = [
      ["run", "--rm", "busybox", "sh", "-c", "exit 3"],
      ["run", "--rm", "busybox", "nosuchcommand"],
      ["run", "--rm", "busybox", "/etc/passwd"],
      ["run", "--rm", "--entrypoint", "", "busybox"],
      ["run", "--rm", "strata-ctr-no-such-image:1", "true"],
      ["rm", `${PREFIX}-nosuch`],
      ["stop", `${PREFIX}-nosuch`],
      ["kill", `${PREFIX}-nosuch`],
    ];
    for (const args of cases) {
      const d = await docker(args[0] === "run" ? ["run", "--network=none", ...args.slice(1)] : args);
      const s = await strata(root, args);
      expect(s.exitCode, `${args.join(" ")}\ndocker: ${d.stderr}\nstrata: ${s.stderr}`).toBe(d.exitCode);
    }

    const name = `${PREFIX}-states`;
    await docker(["run", "-d", "--name", name, "--network=none", "busybox", "sleep", "100"]);
    await strata(root, ["run", "-d", "--name", name, "busybox", "sleep", "100"]);
    const both = async (args: string[]) => [(await docker(args)).exitCode, (await strata(root, args)).exitCode];
    const [dStart, sStart] = [await docker(["start", name]), await strata(root, ["start", name])];
    expect([sStart.exitCode, sStart.stdout]).toEqual([dStart.exitCode, dStart.stdout]);
    expect((await both(["rm", name]))[1]).toBe((await both(["rm", name]))[0]);
    const [dStop, sStop] = [await docker(["stop", "-t", "1", name]), await strata(root, ["stop", "-t", "1", name])];
    expect([sStop.exitCode, sStop.stdout]).toEqual([dStop.exitCode, dStop.stdout]);
    const f = "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.Name}} {{json .Config.Cmd}} {{.Config.Image}}";
    expect((await strata(root, ["inspect", "-f", f, name])).stdout).toBe((await docker(["inspect", "-f", f, name])).stdout);
    const status = "{{.Command}} {{.Status}} {{.Names}} {{.Image}}";
    const dPs = (await docker(["ps", "-a", "--filter", `name=${name}`, "--format", status])).stdout;
    const sPs = (await strata(root, ["ps", "-a", "--filter", `name=${name}`, "--format", status])).stdout;
    expect(sPs.replace(/Exited \(137\) .* ago/, "Exited (137) X ago")).toBe(dPs.replace(/Exited \(137\) .* ago/, "Exited (137) X ago"));
    const [dKill, sKill] = [await docker(["kill", name]), await strata(root, ["kill", name])];
    expect(sKill.exitCode).toBe(dKill.exitCode);
    const [dWait, sWait] = [await docker(["wait", name]), await strata(root, ["wait", name])];
    expect([sWait.exitCode, sWait.stdout]).toEqual([dWait.exitCode, dWait.stdout]);
  });

  it("ps -s prints SIZE the way Docker does", async () => {
    const name = `${PREFIX}-size`;
    const script = "printf 'hello world\\n' > /x; sleep 100";
    await docker(["run", "-d", "--name", name, "--network=none", "busybox", "sh", "-c", script]);
    await strata(root, ["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
    await new Promise((r) => setTimeout(r, 500));
    const f = ["ps", "-s", "--filter", `name=${name}`, "--format", "{{.Size}}"];
    expect((await strata(root, f)).stdout).toBe((await docker(f)).stdout);
    const header = (await strata(root, ["ps", "-s", "--filter", `name=${name}`])).stdout.split("\n")[0];
    expect(header?.split(/ {2,}/)).toEqual((await docker(["ps", "-s", "--filter", `name=${name}`])).stdout.split("\n")[0]?.split(/ {2,}/));
  });
});
