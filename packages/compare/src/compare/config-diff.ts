import type { ImageConfig } from "@strata/core";

/** One difference of two image configs; `key` names the variable, label, port or volume. */
export interface ConfigChange {
  field: string;
  key?: string;
  /** Values as text (lists and objects as JSON); absent on the side that lacks it. */
  a?: string;
  b?: string;
}

const LISTS = ["Cmd", "Entrypoint", "Shell", "OnBuild"] as const;
const STRINGS = ["WorkingDir", "User", "StopSignal"] as const;

/**
 * The runtime config (env, cmd, entrypoint, workdir, user, labels, exposed ports, volumes,
 * stop signal, healthcheck, shell, onbuild) and the platform, author and creation time; the
 * history and layers are compared elsewhere. Env and labels per name, ports and volumes per entry.
 */
export function diffConfigs(a: ImageConfig, b: ImageConfig, opts: { ignoreTimestamps?: boolean } = {}): ConfigChange[] {
  const out: ConfigChange[] = [];
  const ca = a.config ?? {};
  const cb = b.config ?? {};
  const text = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));
  const field = (name: string, x: unknown, y: unknown, key?: string) => {
    const tx = text(x);
    const ty = text(y);
    if (tx !== ty) out.push({ field: name, ...(key !== undefined ? { key } : {}), ...(tx !== undefined ? { a: tx } : {}), ...(ty !== undefined ? { b: ty } : {}) });
  };
  for (const name of ["architecture", "os", "variant", "author"] as const) field(name, a[name], b[name]);
  if (!opts.ignoreTimestamps) field("created", a.created, b.created);
  named("Env", envMap(ca.Env), envMap(cb.Env), field);
  for (const name of LISTS) field(name, ca[name] ?? undefined, cb[name] ?? undefined);
  for (const name of STRINGS) field(name, ca[name] || undefined, cb[name] || undefined);
  named("Labels", new Map(Object.entries(ca.Labels ?? {})), new Map(Object.entries(cb.Labels ?? {})), field);
  named("ExposedPorts", keys(ca.ExposedPorts), keys(cb.ExposedPorts), field);
  named("Volumes", keys(ca.Volumes), keys(cb.Volumes), field);
  field("Healthcheck", ca.Healthcheck, cb.Healthcheck);
  return out;
}

function named(name: string, a: Map<string, string>, b: Map<string, string>, field: (n: string, x: unknown, y: unknown, key?: string) => void): void {
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) field(name, a.get(key), b.get(key), key);
}

function envMap(env: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of env ?? []) {
    const i = kv.indexOf("=");
    m.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? "" : kv.slice(i + 1));
  }
  return m;
}

const keys = (o: Record<string, unknown> | undefined) => new Map(Object.keys(o ?? {}).map((k) => [k, "present"]));
