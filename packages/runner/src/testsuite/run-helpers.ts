import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
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

export const runcList = (stateDir: string): string[] =>
  execFileSync("runc", ["--root", path.join(stateDir, "state"), "list", "-q"], { encoding: "utf8", env: withSbin })
    .split("\n")
    .filter(Boolean);
