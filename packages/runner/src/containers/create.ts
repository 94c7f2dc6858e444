import { constants as osConstants } from "node:os";
import { StrataError, chainId, cleanPath, type ImageConfig } from "@strata/core";
import type { ResolvedImage } from "@strata/store";
import { parsePortSpec } from "./ports.js";
import { ZERO_TIME, type ContainerRecord, type MountPoint } from "./types.js";

export interface CreateOptions {
  /** The image as the user named it, and what it resolved to. */
  image: string;
  resolved: ResolvedImage;
  name?: string;
  /** The command after the image; undefined keeps the image's CMD. */
  cmd?: string[];
  /** `--entrypoint`: replaces the image's ENTRYPOINT ("" clears it) and drops its CMD. */
  entrypoint?: string;
  /** KEY=VALUE pairs over the image's Env (the CLI has resolved bare KEYs from its environment). */
  env?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  /** `-i`: keep stdin open. */
  interactive?: boolean;
  /** The CLI stays attached to the output (a foreground `run`, `start -a`). */
  attach?: boolean;
  readOnly?: boolean;
  network?: "default" | "none" | "host";
  init?: boolean;
  autoRemove?: boolean;
  publish?: string[];
  labels?: Record<string, string>;
  stopSignal?: string;
  stopTimeout?: number;
  /** `-v`, `--mount`, `--volumes-from` as given (resolved into `mounts` by the volumes code). */
  binds?: string[];
  mountSpecs?: string[];
  volumesFrom?: string[];
  mounts?: MountPoint[];
}

/** Builds a new container's record from the image and the options (nothing is written). */
export function buildRecord(id: string, name: string, o: CreateOptions, driver: string, hostHostname: string): ContainerRecord {
  const img: ImageConfig["config"] = o.resolved.config.config ?? {};
  const entrypoint = o.entrypoint !== undefined ? (o.entrypoint === "" ? null : [o.entrypoint]) : (img.Entrypoint ?? null);
  const cmd = o.cmd && o.cmd.length > 0 ? o.cmd : o.entrypoint !== undefined ? null : (img.Cmd ?? null);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw new StrataError("INVALID_ARGUMENT", "No command specified");
  const workdir = o.workdir ?? img.WorkingDir ?? "";
  if (o.workdir !== undefined && !o.workdir.startsWith("/")) {
    throw new StrataError("INVALID_ARGUMENT", `the working directory '${o.workdir}' is invalid, it needs to be an absolute path`);
  }
  const network = o.network ?? "default";
  const stopSignal = validSignal(o.stopSignal ?? img.StopSignal ?? "SIGTERM");
  const publish = (o.publish ?? []).map(parsePortSpec);
  const exposed = { ...(img.ExposedPorts ?? {}) };
  for (const p of publish) exposed[`${p.containerPort}/${p.protocol}`] = {};
  const now = new Date().toISOString();
  return {
    version: 1,
    id,
    name,
    created: now,
    image: o.image,
    imageId: o.resolved.configDigest,
    imageManifest: o.resolved.manifestDesc.digest,
    imageChainId: chainId(o.resolved.config.rootfs.diff_ids),
    path: argv[0]!,
    args: argv.slice(1),
    config: {
      Hostname: o.hostname ?? (network === "host" ? hostHostname : id.slice(0, 12)),
      Domainname: "",
      User: o.user ?? img.User ?? "",
      AttachStdin: Boolean(o.attach && o.interactive),
      AttachStdout: Boolean(o.attach),
      AttachStderr: Boolean(o.attach),
      ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
      Tty: Boolean(o.tty),
      OpenStdin: Boolean(o.interactive),
      StdinOnce: Boolean(o.attach && o.interactive),
      Env: mergeEnv(img.Env ?? [], o.env ?? []),
      Cmd: cmd,
      Image: o.image,
      Volumes: img.Volumes && Object.keys(img.Volumes).length > 0 ? img.Volumes : null,
      WorkingDir: workdir === "" ? "" : cleanPath(workdir),
      Entrypoint: entrypoint,
      OnBuild: img.OnBuild ?? null,
      Labels: { ...(img.Labels ?? {}), ...(o.labels ?? {}) },
      ...(o.stopSignal !== undefined || img.StopSignal ? { StopSignal: stopSignal } : {}),
      ...(o.stopTimeout !== undefined ? { StopTimeout: o.stopTimeout } : {}),
    },
    hostConfig: {
      AutoRemove: Boolean(o.autoRemove),
      ReadonlyRootfs: Boolean(o.readOnly),
      NetworkMode: network,
      Init: Boolean(o.init),
      PortBindings: network === "host" ? [] : publish,
      Binds: o.binds ?? [],
      VolumesFrom: o.volumesFrom ?? [],
      Mounts: o.mountSpecs ?? [],
    },
    mounts: o.mounts ?? [],
    state: { status: "created", pid: 0, exitCode: 0, error: "", startedAt: ZERO_TIME, finishedAt: ZERO_TIME, oomKilled: false },
    restartCount: 0,
    driver,
    stopSignal,
  };
}

/** The image's Env with `overrides` applied by name, in Docker's order (overridden keys keep their place). */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const key = (e: string) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e);
  const out = [...base];
  for (const o of overrides) {
    const i = out.findIndex((e) => key(e) === key(o));
    if (i >= 0) out[i] = o;
    else out.push(o);
  }
  return out;
}

/** A signal as runc takes it ("SIGTERM", "TERM", "15", "SIGRTMIN+3"), refused when unknown. */
export function validSignal(sig: string): string {
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s) && Number(s) > 0 && Number(s) < 65) return s;
  const name = s.startsWith("SIG") ? s : `SIG${s}`;
  if (name in osConstants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) return name;
  throw new StrataError("INVALID_ARGUMENT", `Invalid signal: ${sig}`);
}

/** The number of a signal name or number, for exit codes (128 + n). */
export function signalNumber(sig: string): number {
  if (/^\d+$/.test(sig)) return Number(sig);
  return (osConstants.signals as Record<string, number>)[sig] ?? 15;
}
