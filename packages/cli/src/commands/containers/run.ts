import { readFileSync } from "node:fs";
import { StrataError, isNotFound } from "@strata/core";
import type { ContainerRecord, ContainerService, CreateOptions } from "@strata/runner";
import type { GlobalOptions } from "../../engine.js";
import { usageError } from "../../errors.js";
import { foreground } from "./foreground.js";
import { openContainers, recordedDriver } from "./service.js";

/** The flags `create` and `run` share, as commander hands them over. */
export interface CreateFlags {
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  hostname?: string;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  readOnly?: boolean;
  network?: string;
  init?: boolean;
  publish: string[];
  volume: string[];
  mount: string[];
  volumesFrom: string[];
  label: string[];
  stopSignal?: string;
  stopTimeout?: string;
}

export interface RunFlags extends CreateFlags {
  detach?: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

/** `strata create IMAGE [COMMAND] [ARG...]`: prints the new container's ID. */
export async function createCommand(image: string, command: string[], flags: CreateFlags, globals: GlobalOptions): Promise<void> {
  const svc = await openContainers(globals);
  const rec = await createFrom(svc, image, command, flags, globals, false);
  process.stdout.write(`${rec.id}\n`);
}

/**
 * `strata run`: create, then start detached (`-d`, prints the ID) or attached (the container's
 * output on this terminal, its exit code as ours). A container that cannot start is removed
 * again, so a failed `run` leaves nothing behind (Docker keeps it as Created).
 */
export async function runCommand(image: string, command: string[], flags: RunFlags, globals: GlobalOptions): Promise<number> {
  if (flags.detach && flags.rm === undefined) flags.rm = false;
  if (flags.interactive && flags.tty && !flags.detach && !process.stdin.isTTY) {
    throw usageError("the input device is not a TTY");
  }
  const svc = await openContainers(globals);
  const rec = await createFrom(svc, image, command, flags, globals, !flags.detach);
  if (flags.detach) {
    try {
      await svc.start(rec.id);
    } catch (e) {
      await svc.remove(rec.id, { force: true, volumes: true }).catch(() => {});
      throw e;
    }
    process.stdout.write(`${rec.id}\n`);
    return 0;
  }
  return foreground(svc, rec, { stdin: Boolean(flags.interactive), sigProxy: flags.sigProxy, detachKeys: flags.detachKeys, removeOnFailure: true });
}

async function createFrom(
  svc: ContainerService,
  image: string,
  command: string[],
  flags: CreateFlags,
  globals: GlobalOptions,
  attach: boolean,
): Promise<ContainerRecord> {
  const { readImage } = await import("@strata/store");
  const network = flags.network ?? "default";
  if (network === "bridge") {
    throw usageError("network bridge is not available: strata has no bridge", "use the default (a private network namespace with loopback, ports published with -p) or --network host");
  }
  if (network !== "default" && network !== "none" && network !== "host") {
    throw usageError(`network ${network} not found`, "strata's networks: default, none, host");
  }
  let resolved;
  try {
    resolved = await readImage(svc.store, image);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new StrataError("NOT_FOUND", `Unable to find image '${image}' locally`, {
      hint: "strata does not pull from registries here: load it first with `strata load -i FILE`",
    });
  }
  if (network === "host" && flags.publish.length > 0) {
    process.stderr.write("WARNING: Published ports are discarded when using host network mode\n");
  }
  const opts: CreateOptions = {
    image,
    resolved,
    name: flags.name,
    cmd: command.length > 0 ? command : undefined,
    entrypoint: flags.entrypoint,
    env: environment(flags.envFile, flags.env),
    workdir: flags.workdir,
    user: flags.user,
    hostname: flags.hostname,
    tty: flags.tty,
    interactive: flags.interactive,
    attach,
    readOnly: flags.readOnly,
    network,
    init: flags.init,
    autoRemove: flags.rm,
    publish: flags.publish,
    labels: labels(flags.label),
    stopSignal: flags.stopSignal,
    stopTimeout: flags.stopTimeout === undefined ? undefined : seconds(flags.stopTimeout),
    binds: flags.volume,
    mountSpecs: flags.mount,
    volumesFrom: flags.volumesFrom,
  };
  if (flags.name !== undefined) {
    const { validateName } = await import("@strata/runner");
    opts.name = validateName(flags.name);
  }
  return svc.create(opts, await recordedDriver(svc.records.layout.storeRoot, globals.storageDriver));
}

/** `--env-file` lines, then `-e`: KEY=VALUE as given, a bare KEY from this environment (dropped when unset). */
export function environment(files: readonly string[], pairs: readonly string[]): string[] {
  const out: string[] = [];
  const add = (entry: string, where: string) => {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === "" || /\s/.test(key)) throw usageError(`invalid environment variable: ${entry}${where}`);
    if (eq >= 0) out.push(entry);
    else if (process.env[key] !== undefined) out.push(`${key}=${process.env[key]}`);
  };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw usageError(`open ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
    }
    text.split("\n").forEach((line, i) => {
      const l = line.replace(/^\s+/, "").replace(/\r$/, "");
      if (l === "" || l.startsWith("#")) return;
      add(l, ` (${file}:${i + 1})`);
    });
  }
  for (const p of pairs) add(p, "");
  return out;
}

function labels(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf("=");
    out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? "" : s.slice(eq + 1);
  }
  return out;
}

function seconds(s: string): number {
  if (!/^-?\d+$/.test(s)) throw usageError(`invalid stop timeout: ${s}`);
  return Number(s);
}

/** `strata start [-a] [-i] CONTAINER...`. */
export async function startCommand(refs: string[], flags: { attach?: boolean; interactive?: boolean; detachKeys?: string }, globals: GlobalOptions): Promise<number> {
  const svc = await openContainers(globals);
  if (flags.attach || flags.interactive) {
    if (refs.length > 1) throw usageError("you cannot start and attach multiple containers at once");
    const rec = svc.records.resolve(refs[0]!);
    return foreground(svc, rec, { stdin: Boolean(flags.interactive), sigProxy: true, detachKeys: flags.detachKeys, removeOnFailure: false });
  }
  let failed: unknown;
  for (const ref of refs) {
    try {
      await svc.start(ref);
      process.stdout.write(`${ref}\n`);
    } catch (e) {
      failed ??= e;
      if (refs.length > 1) process.stderr.write(`Error response from daemon: ${(e as Error).message}\n`);
    }
  }
  if (failed && refs.length === 1) throw failed;
  return failed ? 125 : 0;
}
