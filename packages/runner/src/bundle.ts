import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "@strata/core";
import type { MountStubs } from "./mount-stubs.js";

/** Per-runner directory layout under `stateDir`. */
export interface StateLayout {
  /** runc's `--root`: the state of the containers this runner started. */
  runcRoot: string;
  /** One bundle directory per run: config.json, generated /etc files, the rootfs mount point. */
  bundles: string;
}

export const stateLayout = (stateDir: string): StateLayout => ({
  runcRoot: path.join(stateDir, "state"),
  bundles: path.join(stateDir, "bundles"),
});

export const randomHex = (bytes: number): string => randomBytes(bytes).toString("hex");

/** Creates a fresh, empty bundle directory named after the container id. */
export async function createBundle(layout: StateLayout, id: string): Promise<string> {
  const dir = path.join(layout.bundles, id);
  mkdirSync(dir, { recursive: true, mode: 0o700 }); // blocking: tiny, and cheaper than a thread-pool round trip
  return dir;
}

/**
 * Removes a bundle without ever recursing: its files are unlinked and its directories (the
 * rootfs mount point) only rmdir'ed, so a rootfs that is somehow still mounted is never
 * emptied; it makes the removal fail instead.
 */
export async function removeBundle(dir: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return;
    throw e;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    if (lstatSync(p).isDirectory()) rmdirSync(p);
    else unlinkSync(p);
  }
  rmdirSync(dir);
}

/** Where a bundle keeps the run's mount stubs, so `cleanup()` can remove them after a crash. */
const mountStubsFile = (bundle: string) => path.join(bundle, "mount-stubs.json");

export async function saveMountStubs(bundle: string, stubs: MountStubs): Promise<void> {
  writeFileSync(mountStubsFile(bundle), JSON.stringify(stubs));
}

export async function loadMountStubs(bundle: string): Promise<MountStubs | undefined> {
  try {
    return JSON.parse(await readFile(mountStubsFile(bundle), "utf8")) as MountStubs;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw e;
  }
}
