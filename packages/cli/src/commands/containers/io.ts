import { statSync } from "node:fs";
import { ExecFailed, isActive, readLog } from "@strata/runner";
import type { GlobalOptions } from "../../engine.js";
import { usageError } from "../../errors.js";
import { parseDetachKeys } from "./foreground.js";
import { environment } from "./run.js";
import { openContainers } from "./service.js";

/** `strata logs [-f] [--tail N] [-t]`: stdout lines to stdout, stderr lines to stderr, as Docker. */
export async function logsCommand(ref: string, o: { follow?: boolean; tail?: string; timestamps?: boolean }, g: GlobalOptions): Promise<void> {
  const tail = o.tail === undefined || o.tail === "all" ? undefined : Number(o.tail);
  if (tail !== undefined && !Number.isInteger(tail)) throw usageError(`invalid value for --tail: ${o.tail}`);
  const svc = await openContainers(g);
  const rec = await svc.get(ref);
  let running = isActive(rec);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  try {
    await readLog(
      svc.layout.log(rec.id),
      (line) => {
        const text = o.timestamps ? `${line.time} ${line.text}` : line.text;
        (line.stream === "stderr" ? process.stderr : process.stdout).write(text);
      },
      {
        tail,
        follow: Boolean(o.follow) && running,
        signal: abort.signal,
        stillRunning: () => {
          const cur = svc.records.read(rec.id);
          running = cur !== undefined && isActive(cur) && !existsExit(svc, rec.id);
          return running;
        },
      },
    );
  } finally {
    process.off("SIGINT", stop);
  }
}

function existsExit(svc: { layout: { exitFile(id: string): string } }, id: string): boolean {
  try {
    statSync(svc.layout.exitFile(id));
    return true;
  } catch {
    return false;
  }
}

/** `strata attach`: the running container's output here, and stdin to it when it was started with -i. */
export async function attachCommand(ref: string, o: { stdin: boolean; detachKeys?: string; sigProxy: boolean }, g: GlobalOptions): Promise<number> {
  const svc = await openContainers(g);
  const rec = await svc.get(ref);
  const tty = rec.config.Tty && process.stdin.isTTY === true && o.stdin;
  const { spawnSync } = await import("node:child_process");
  const saved = tty ? spawnSync("stty", ["-g"], { stdio: ["inherit", "pipe", "ignore"] }).stdout?.toString().trim() : undefined;
  if (saved) spawnSync("stty", ["raw", "-echo"], { stdio: ["inherit", "ignore", "ignore"] });
  const proxy = (sig: NodeJS.Signals) => () => void svc.kill(rec.id, sig).catch(() => {});
  const handlers = !rec.config.Tty && o.sigProxy ? (["SIGINT", "SIGTERM"] as const).map((s) => [s, proxy(s)] as const) : [];
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const { session } = await svc.attach(rec.id, { stdin: o.stdin, detachKeys: tty ? parseDetachKeys(o.detachKeys) : undefined });
    if (tty) svc.resize(rec, process.stdout.rows || 24, process.stdout.columns || 80);
    const { detached } = await session.done;
    if (detached) return 0;
    return (await svc.wait(rec.id)).exitCode;
  } finally {
    if (saved) spawnSync("stty", [saved], { stdio: ["inherit", "ignore", "ignore"] });
    for (const [s, h] of handlers) process.off(s, h);
  }
}

/** `strata exec`: the process's exit code; 126 when it cannot be started (Docker's). */
export async function execCommand(
  ref: string,
  args: string[],
  o: { interactive?: boolean; tty?: boolean; user?: string; workdir?: string; env: string[]; envFile: string[]; detach?: boolean },
  g: GlobalOptions,
): Promise<number> {
  if (o.interactive && o.tty && !process.stdin.isTTY) throw usageError("the input device is not a TTY");
  const svc = await openContainers(g);
  try {
    const { exit } = await svc.files.exec(ref, {
      args,
      interactive: o.interactive,
      tty: o.tty,
      user: o.user,
      workdir: o.workdir,
      env: environment(o.envFile, o.env),
      detach: o.detach,
    });
    return await exit;
  } catch (e) {
    // runc has printed why, in one line of its own.
    if (e instanceof ExecFailed) return e.exitStatus;
    throw e;
  }
}

/** `strata top CONTAINER [ps OPTIONS]`. */
export async function topCommand(ref: string, psArgs: string[], g: GlobalOptions): Promise<void> {
  const svc = await openContainers(g);
  const { titles, rows } = await svc.files.top(ref, psArgs);
  // Docker's top table: Go's tabwriter with a minimum cell width of 20.
  const widths = titles.map((t, i) => Math.max(20, t.length + 3, ...rows.map((r) => (r[i] ?? "").length + 3)));
  const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join("") + "\n";
  process.stdout.write([titles, ...rows].map(line).join(""));
}
