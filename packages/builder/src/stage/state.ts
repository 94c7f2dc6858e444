import type { Descriptor, Digest, HistoryEntry, ImageConfig } from "@strata/core";
import type { StepImage } from "./step-images.js";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const DEFAULT_SHELL = ["/bin/sh", "-c"];

/** Everything a stage has built so far: the image it would be if it ended here. */
export interface StageState {
  /** How progress and errors name the stage: its name, or its index. */
  label: string;
  config: ImageConfig;
  layers: Descriptor[];
  /**
   * The committed snapshot of the rootfs (named by the chainID of `config.rootfs.diff_ids`) once
   * it is known to exist; undefined for an empty rootfs, and for one not unpacked yet (a lazy
   * FROM, a cache hit): `materialize` makes it when a step needs the filesystem.
   */
  snapshot?: string;
  /** ARGs declared in this stage, with their values (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  /** Whether CMD was set in this stage (ENTRYPOINT resets an inherited CMD only). */
  cmdSetHere: boolean;
  baseManifest?: Digest;
  /** Cache key of everything the stage's filesystem is so far. */
  key?: Digest;
  /** The image (ID) the stage's first step image is built on: its FROM image, if any. */
  parentImage?: Digest;
  /** History entries the stage started with (its FROM image's). */
  baseHistoryLength: number;
  /** One image per step that added a history entry, in order (inherited from a FROM stage). */
  steps: StepImage[];
}

export function parseEnv(env: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of env ?? []) {
    const i = kv.indexOf("=");
    if (i < 0) out.set(kv, "");
    else out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

/** Sets or replaces one variable, keeping the position of an existing one (as Docker does). */
export function setEnv(config: ImageConfig, key: string, value: string): void {
  const env = config.config.Env ?? [];
  const i = env.findIndex((kv) => kv === key || kv.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  config.config.Env = env;
}

/** Variables an instruction's words expand against: ARGs, with ENV taking precedence. */
export function expansionLookup(state: StageState): (name: string) => string | undefined {
  const env = parseEnv(state.config.config.Env);
  return (name) => (env.has(name) ? env.get(name) : state.args.get(name));
}

/** Build args a RUN sees as environment: declared ARGs with a value that ENV does not shadow. */
export function runArgs(state: StageState): [string, string][] {
  const env = parseEnv(state.config.config.Env);
  return [...state.args].filter((e): e is [string, string] => e[1] !== undefined && !env.has(e[0]));
}

export function addHistory(state: StageState, entry: HistoryEntry): void {
  (state.config.history ??= []).push(entry);
}

export function cloneConfig(config: ImageConfig): ImageConfig {
  return structuredClone(config);
}
