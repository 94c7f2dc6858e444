import { spawn } from "node:child_process";
import { closeSync, constants, openSync, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { StrataError } from "@strata/core";

/** Where Debian installs conmon (Podman's container monitor). */
const CONMON_CANDIDATES = ["/usr/bin/conmon", "/usr/libexec/podman/conmon", "/usr/local/bin/conmon"];

export async function findConmon(): Promise<string> {
  for (const p of [process.env.STRATA_CONMON, ...CONMON_CANDIDATES]) {
    if (!p) continue;
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  throw new StrataError("UNAVAILABLE", "conmon is not installed: strata monitors containers with Podman's conmon", {
    hint: "apt-get install conmon",
  });
}

export interface ConmonOptions {
  conmon: string;
  runc: string;
  runcRoot: string;
  id: string;
  name: string;
  bundle: string;
  logPath: string;
  /** conmon's --persist-dir: it writes `exit` (the exit code) there. */
  persistDir: string;
  pidFile: string;
  conmonPidFile: string;
  terminal: boolean;
  stdin: boolean;
  /**
   * Keep the container's stdin open when an attached client goes away (a detached `-i`
   * container: Docker's StdinOnce false). Otherwise the first client's end of input is the
   * container's (`run -i`).
   */
  leaveStdinOpen: boolean;
  /** Run when the container has exited (strata's `container cleanup ID`). */
  exitCommand: readonly string[];
  /** Seconds conmon waits before running it, so a CLI still waiting on the container cleans up first. */
  exitDelay: number;
  /** conmon's own stderr (its errors before it could report any). */
  errorLog: string;
}

/** runc could not create the container (the command is missing, not executable, a mount failed…). */
export class CreateFailed extends StrataError {
  constructor(readonly runtimeMessage: string) {
    super("RUN_FAILED", runtimeMessage);
  }

  /** Docker's exit status for it: 127 command not found, 126 cannot be run, 125 anything else. */
  get exitStatus(): number {
    if (/executable file not found|no such file or directory/i.test(this.runtimeMessage)) return 127;
    if (/permission denied|exec format error|is a directory/i.test(this.runtimeMessage)) return 126;
    return 125;
  }
}

/**
 * Starts conmon for a container whose bundle is ready. conmon double-forks (the process spawned
 * here exits at once; the monitor lives on in its own session, outliving this CLI), runs
 * `runc create` and reports the container's pid on the sync pipe. The container is created but
 * not started: the caller runs `runc start` once it has attached what it needs.
 */
export async function launchConmon(o: ConmonOptions): Promise<{ pid: number }> {
  const args = [
    "--api-version", "1",
    "-c", o.id,
    "-u", o.id,
    "-n", o.name,
    "-r", o.runc,
    "--runtime-arg", "--root", "--runtime-arg", o.runcRoot,
    "-b", o.bundle,
    "-p", o.pidFile,
    "-P", o.conmonPidFile,
    "--persist-dir", o.persistDir,
    "--exit-dir", o.persistDir,
    "--full-attach",
    "-l", `k8s-file:${o.logPath}`,
    "--log-level", "error",
    "--no-sync-log",
    "--exit-delay", String(o.exitDelay),
    "--exit-command", o.exitCommand[0]!,
    ...o.exitCommand.slice(1).flatMap((a) => ["--exit-command-arg", a]),
  ];
  if (o.terminal) args.push("-t");
  if (o.stdin) args.push("-i");
  if (o.stdin && o.leaveStdinOpen) args.push("--leave-stdin-open");
  // fd 3: conmon's reports (sync pipe); fd 4: the start pipe it waits on before forking. Its own
  // stdout is /dev/null and its stderr a file: the monitor keeps its fds, and a pipe of ours
  // would keep this CLI waiting for it.
  const errFd = openSync(o.errorLog, "w", 0o600);
  let child;
  try {
    child = spawn(o.conmon, args, {
      stdio: ["ignore", "ignore", errFd, "pipe", "pipe"],
      env: { ...process.env, _OCI_SYNCPIPE: "3", _OCI_STARTPIPE: "4" },
      cwd: o.bundle,
    });
  } finally {
    closeSync(errFd);
  }
  const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  const start = child.stdio[4] as NodeJS.WritableStream;
  start.on("error", () => {});
  start.end("0");
  const report = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.once("error", (e) =>
      reject(new StrataError("UNAVAILABLE", `cannot start ${o.conmon}: ${e.message}`, { hint: "apt-get install conmon" })),
    );
    sync.on("data", (c: Buffer) => {
      text += c.toString();
      if (text.includes("\n")) resolve(text.slice(0, text.indexOf("\n")));
    });
    sync.on("end", () => resolve(text));
    sync.on("error", () => resolve(text));
  });
  sync.destroy();
  let msg: { data?: number; message?: string };
  try {
    msg = JSON.parse(report) as typeof msg;
  } catch {
    const why = readFileSync(o.errorLog, "utf8").trim() || "no report on its sync pipe";
    throw new StrataError("RUN_FAILED", `conmon: ${why}`);
  }
  if (typeof msg.data !== "number" || msg.data <= 0) {
    throw new CreateFailed(runtimeError(msg.message ?? "runc create failed"));
  }
  return { pid: msg.data };
}

/** runc's message without its log-line wrapping (`time=… level=error msg="…"`). */
function runtimeError(message: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(message);
  const text = m ? m[1]!.replace(/\\"/g, '"').replace(/\\\\/g, "\\") : message.trim();
  return text.replace(/^runc create failed: /, "");
}
