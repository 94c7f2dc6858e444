import { spawnSync } from "node:child_process";
import { CreateFailed, DEFAULT_DETACH_KEYS, type ContainerRecord, type ContainerService } from "@strata/runner";
import { usageError } from "../../errors.js";

export interface ForegroundOptions {
  /** Forward this terminal's stdin (`-i`). */
  stdin: boolean;
  /** Forward this CLI's signals to the container (Docker's --sig-proxy, default on; never with a TTY). */
  sigProxy: boolean;
  detachKeys?: string;
  /** Remove the container when it cannot start (a `run`; a `start` keeps it). */
  removeOnFailure: boolean;
}

const PROXIED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * Starts `rec` attached: the output is connected before the container starts (nothing is
 * missed), this terminal goes raw for a TTY, signals are forwarded, and the container's exit
 * code is returned once it has exited (and, with --rm, been removed).
 */
export async function foreground(svc: ContainerService, rec: ContainerRecord, o: ForegroundOptions): Promise<number> {
  const tty = rec.config.Tty && process.stdin.isTTY === true && o.stdin;
  const detachKeys = tty ? parseDetachKeys(o.detachKeys) : undefined;
  const restoreTerminal = tty ? rawTerminal() : () => {};
  const handlers = new Map<NodeJS.Signals, () => void>();
  try {
    let started;
    try {
      started = await svc.start(rec.id, { attach: { stdin: o.stdin && rec.config.OpenStdin, detachKeys } });
    } catch (e) {
      restoreTerminal();
      if (o.removeOnFailure) await svc.remove(rec.id, { force: true, volumes: true }).catch(() => {});
      if (e instanceof CreateFailed) {
        process.stderr.write(`error: ${e.message}\n`);
        return e.exitStatus;
      }
      throw e;
    }
    if (started.alreadyRunning) {
      // `start -a` of a running container: attach to it.
      const { session } = await svc.attach(rec.id, { stdin: o.stdin, detachKeys });
      started = { ...started, session };
    }
    const session = started.session!;
    if (tty) {
      const resize = () => svc.resize(started.rec, process.stdout.rows || 24, process.stdout.columns || 80);
      resize();
      process.stdout.on("resize", resize);
    }
    if (o.sigProxy && !rec.config.Tty) {
      for (const sig of PROXIED_SIGNALS) {
        const h = () => void svc.kill(rec.id, sig).catch(() => {});
        handlers.set(sig, h);
        process.on(sig, h);
      }
    }
    const { detached } = await session.done;
    restoreTerminal();
    if (detached) {
      process.stderr.write("\n");
      return 0;
    }
    return (await svc.wait(rec.id)).exitCode;
  } finally {
    restoreTerminal();
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}

/** Puts this terminal in raw mode (stty, so that Node never reads stdin itself); returns the undo. */
function rawTerminal(): () => void {
  const saved = spawnSync("stty", ["-g"], { stdio: ["inherit", "pipe", "ignore"] }).stdout?.toString().trim();
  if (!saved) return () => {};
  spawnSync("stty", ["raw", "-echo"], { stdio: ["inherit", "ignore", "ignore"] });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    spawnSync("stty", [saved], { stdio: ["inherit", "ignore", "ignore"] });
  };
}

/** Docker's --detach-keys ("ctrl-p,ctrl-q", "ctrl-@", "a") as the attach helper's hex byte codes. */
export function parseDetachKeys(spec: string | undefined): string {
  if (spec === undefined) return DEFAULT_DETACH_KEYS;
  if (spec === "") return "";
  const codes = spec.split(",").map((k) => {
    const key = k.trim().toLowerCase();
    const ctrl = /^ctrl-(.)$/.exec(key);
    if (ctrl) {
      const c = ctrl[1]!;
      if (c >= "a" && c <= "z") return c.charCodeAt(0) - 96;
      const special: Record<string, number> = { "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, _: 31 };
      if (c in special) return special[c]!;
    } else if (key.length === 1) return key.charCodeAt(0);
    throw usageError(`Invalid detach keys (${spec}) provided`);
  });
  return codes.map((c) => c.toString(16)).join(",");
}
