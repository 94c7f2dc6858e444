import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import type { RunIO } from "../types.js";

/** Collects a run's output per stream. */
export function capture(): RunIO & { out(): string; err(): string } {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  return {
    stdout: (c) => stdout.push(c),
    stderr: (c) => stderr.push(c),
    out: () => Buffer.concat(stdout).toString(),
    err: () => Buffer.concat(stderr).toString(),
  };
}

const withSbin = { ...process.env, PATH: `${process.env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` };

export const hasRunc = (): boolean => {
  try {
    execFileSync("runc", ["--version"], { stdio: "ignore", env: withSbin });
    return true;
  } catch {
    return false;
  }
};

/** Mount points at or below `dir`, from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Every path below `dir` (relative, sorted), for before/after comparisons. */
export async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => path.join("/", e)).sort();
}

/** Path ("/" first) → "mode uid:gid mtimeNs" for a directory, "mode uid:gid size" otherwise. */
export type Snapshot = Record<string, string>;

/** Every entry of `dir` with what a layer diff compares, so any stray change shows up. */
export async function snapshot(dir: string): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const p of ["/", ...(await tree(dir))]) {
    const st = await lstat(path.join(dir, p), { bigint: true });
    out[p] = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? st.mtimeNs : st.size}`;
  }
  return out;
}

/**
 * What an overlay of `upper` on `lower` shows, from their snapshots: an upper entry hides
 * the lower one. Asserts there is no whiteout (a 0/0 character device) in upperdir.
 */
export function overlayView(lower: Snapshot, upper: Snapshot): Snapshot {
  for (const [p, v] of Object.entries(upper)) expect(v, `whiteout ${p} in upperdir`).not.toMatch(/^20000 /);
  return { ...lower, ...upper };
}

/**
 * The stub rule, as BuildKit's: a run leaves the mount-point directories it made
 * (`mountPoints`: /proc, /sys, /dev, directory mount targets and their missing parents) and
 * nothing else. So between `before` and `after` exactly `mountPoints` were added, each a
 * 0755 directory owned 0:0 holding nothing but other mount points (no stub file such as
 * /etc/hosts); nothing was removed; every other entry is unchanged, except that a directory
 * a mount point was added to may have a new mtime (not a new mode or owner).
 */
export function expectOnlyMountPointDirsAdded(before: Snapshot, after: Snapshot, mountPoints: readonly string[]): void {
  const added = Object.keys(after).filter((p) => !(p in before)).sort();
  expect(added).toEqual([...mountPoints].sort());
  for (const p of added) expect(after[p], p).toMatch(/^40755 0:0 \d+$/);
  const parents = new Set(added.map((p) => path.posix.dirname(p)));
  const modeAndOwner = (v: string | undefined) => v?.split(" ").slice(0, 2).join(" ");
  for (const p of Object.keys(before)) {
    if (parents.has(p)) expect(modeAndOwner(after[p]), p).toBe(modeAndOwner(before[p]));
    else expect(after[p], p).toBe(before[p]);
  }
}

export const runcList = (stateDir: string): string[] =>
  execFileSync("runc", ["--root", path.join(stateDir, "state"), "list", "-q"], { encoding: "utf8", env: withSbin })
    .split("\n")
    .filter(Boolean);

/**
 * These suites run real runc as root; CI (scripts/setup.sh) provides both. Without them a
 * suite fails with this message instead of skipping, so a broken setup never looks green.
 */
export function requireRootAndRunc(): void {
  if (process.getuid?.() !== 0) throw new Error("this suite needs root (it mounts and runs runc)");
  if (!hasRunc()) throw new Error("this suite needs runc: apt-get install runc (scripts/setup.sh does)");
}
