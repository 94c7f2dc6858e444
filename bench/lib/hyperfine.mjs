// Timing with hyperfine (--export-json), each command written to a small shell script.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_TMP } from "./fixtures.mjs";

const SCRIPTS = path.join(BENCH_TMP, "scripts");

function script(name, lines) {
  mkdirSync(SCRIPTS, { recursive: true });
  const file = path.join(SCRIPTS, `${name}.sh`);
  writeFileSync(file, ["#!/usr/bin/env bash", "set -euo pipefail", ...lines, ""].join("\n"), { mode: 0o755 });
  return file;
}

function tail(file, n = 25) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/**
 * Time `command` (shell lines) `runs` times, after one warm-up run. `setup` runs once before
 * all runs, `prepare` before each run (both untimed). Returns seconds: { median, mean, min, max, times } or { error }.
 */
export function measure({ id, command, setup, prepare, runs, resultsDir }) {
  const jsonFile = path.join(resultsDir, `${id}.json`);
  const logFile = path.join(resultsDir, "logs", `${id}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  // One untimed run first (after its own prepare): this VM evicts cold file pages within
  // seconds, so the first start of node, runc or the docker client would otherwise time disk reads.
  const args = ["--warmup", "1", "--runs", String(runs), "--export-json", jsonFile, "--show-output"];
  if (setup?.length) args.push("--setup", `bash ${script(`${id}.setup`, setup)}`);
  if (prepare?.length) args.push("--prepare", `bash ${script(`${id}.prepare`, prepare)}`);
  args.push("--command-name", id, `bash ${script(`${id}.cmd`, command)}`);
  rmSync(jsonFile, { force: true });
  const log = openSync(logFile, "w");
  const r = spawnSync("hyperfine", args, { stdio: ["ignore", log, log] });
  closeSync(log);
  if (r.error) return { error: `hyperfine: ${r.error.message}` };
  if (r.status !== 0 || !existsSync(jsonFile)) return { error: `failed (exit ${r.status}); log ${logFile}:\n${tail(logFile)}` };
  const res = JSON.parse(readFileSync(jsonFile, "utf8")).results[0];
  return { median: res.median, mean: res.mean, min: res.min, max: res.max, times: res.times };
}

/** Peak RSS (KiB) of one command via GNU time's %M, after running `prepare`. */
export function peakRss({ id, prepare, argv, resultsDir }) {
  const logFile = path.join(resultsDir, "logs", `${id}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const p = spawnSync("bash", [script(`${id}.prepare`, prepare)], { encoding: "utf8" });
  if (p.status !== 0) return { error: `prepare failed: ${(p.stderr || p.stdout).slice(-2000)}` };
  const r = spawnSync("/usr/bin/time", ["-f", "STRATA_BENCH_MAXRSS_KB=%M", ...argv], { encoding: "utf8", maxBuffer: 64 << 20 });
  writeFileSync(logFile, `${r.stdout}\n${r.stderr}`);
  const m = /STRATA_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m) return { error: `failed (exit ${r.status}); log ${logFile}:\n${tail(logFile)}` };
  return { maxRssKiB: Number(m[1]) };
}
