import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { withLock } from "../lock.js";

/** Debian's docker.io client (the one matching the daemon; /usr/local/bin/docker is another). */
export const DOCKER = process.env.STRATA_DOCKER_CLI ?? "/usr/bin/docker";
export const DOCKERD = process.env.STRATA_DOCKERD ?? "/usr/sbin/dockerd";
export const DOCKERD_LOG = "/tmp/dockerd.log";
const READY_TIMEOUT_MS = 60_000;

export async function dockerReady(): Promise<boolean> {
  const r = await execa(DOCKER, ["info", "--format", "{{.ServerVersion}}"], { reject: false, timeout: 20_000 });
  return r.exitCode === 0 && r.stdout.trim() !== "";
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Make sure a Docker engine answers. Starts `dockerd --iptables=false --bridge=none` detached
 * (log: /tmp/dockerd.log) when none does, and waits up to 60 s. Safe to call from parallel
 * test files: the start is serialised by a lock and re-checked under it.
 */
export async function ensureDockerd(): Promise<void> {
  if (!existsSync(DOCKER)) {
    throw new Error(`Docker client ${DOCKER} is not installed (apt-get install docker.io), or set STRATA_SKIP_DOCKER=1 to skip Docker tests`);
  }
  if (await dockerReady()) return;
  await withLock("dockerd", async () => {
    if (await dockerReady()) return;
    if (!existsSync(DOCKERD)) throw new Error(`dockerd (${DOCKERD}) is not installed; set STRATA_SKIP_DOCKER=1 to skip Docker tests`);
    if (process.getuid?.() !== 0) throw new Error("starting dockerd needs root; start it yourself or run the tests as root");
    const log = openSync(DOCKERD_LOG, "a");
    const child = spawn(DOCKERD, ["--iptables=false", "--bridge=none"], { detached: true, stdio: ["ignore", log, log] });
    let exited: number | null = null;
    child.on("exit", (code) => (exited = code ?? -1));
    child.unref();
    closeSync(log);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (await dockerReady()) return;
      if (exited !== null) break;
      await sleep(500);
    }
    throw new Error(
      `dockerd did not become ready within ${READY_TIMEOUT_MS / 1000}s` +
        (exited !== null ? ` (it exited with ${exited})` : "") +
        `; last lines of ${DOCKERD_LOG}:\n${tail(DOCKERD_LOG)}`,
    );
  });
}
